import COpenSSL
import CTLS
import Primitives

/// A TLS failure, in OpenSSL's words.
public struct TLSError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// OpenSSL's server context for one certificate: TLS 1.2 and 1.3, ALPN `http/1.1`, set up
/// for non-blocking sockets (`rostra_tls_server_context` in CTLS says how).
///
/// `@unchecked Sendable`: the SSL_CTX is only configured in `init`; afterwards it is only
/// read, by `SSL_new` on any worker, which OpenSSL documents as safe from many threads.
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    init(certificateChainFile: String, privateKeyFile: String) throws(TLSError) {
        var error = [CChar](repeating: 0, count: 512)
        guard let context = rostra_tls_server_context(certificateChainFile, privateKeyFile, &error, error.count) else {
            throw TLSError(error.textUpToNUL)
        }
        self.context = context
    }

    deinit { SSL_CTX_free(context) }
}

/// The certificate a TLS listener serves: where its chain and key are, found by a closure
/// that may first make them (the local certificate authority issues them). It is loaded
/// once — ahead of time by `prepareInBackground()`, or by the first TLS connection — so a
/// server with TLS listeners answers its first plain request as fast as one without:
/// reading the files, checking the certificate and building OpenSSL's context take
/// milliseconds that need not sit on the path to the first answer.
///
/// A failure is kept: every TLS connection is then closed after a log line saying why.
public final class TLSIdentity: Sendable {
    /// The PEM files of a certificate chain (leaf first) and its private key.
    public struct Files: Sendable {
        public var certificateChain: String
        public var privateKey: String

        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    private let locate: @Sendable () throws -> Files
    /// Held while the context is made, so that every caller waits for the one making it.
    private let loaded = AdaptiveMutex<Result<TLSContext, TLSError>?>(nil)

    /// `locate` finds (or makes) the files; it runs once, on the first `prepare`.
    public init(locate: @escaping @Sendable () throws -> Files) {
        self.locate = locate
    }

    public convenience init(_ files: Files) {
        self.init(locate: { files })
    }

    /// Loads now unless done: throws what made it fail (every later call throws the same).
    public func prepare() throws(TLSError) {
        _ = try context().get()
    }

    /// Loads on a thread of its own, now.
    public func prepareInBackground() {
        _ = DetachedThread.start(stackBytes: 512 * 1024) { [self] in _ = context() }
    }

    /// The context, made on the first call; later callers wait for it.
    func context() -> Result<TLSContext, TLSError> {
        loaded.withLock { loaded in
            if let loaded { return loaded }
            let made: Result<TLSContext, TLSError>
            do {
                let files = try locate()
                made = .success(try TLSContext(certificateChainFile: files.certificateChain, privateKeyFile: files.privateKey))
            } catch let error as TLSError {
                made = .failure(error)
            } catch {
                made = .failure(TLSError("\(error)"))
            }
            loaded = made
            return made
        }
    }
}

extension Array where Element == CChar {
    /// The text a C function wrote into this buffer, up to its NUL.
    var textUpToNUL: String {
        let end = firstIndex(of: 0) ?? endIndex
        return String(decoding: self[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
