#if canImport(Glibc)
import Glibc
#endif
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
/// once, and kept: by the first TLS connection, or ahead of it by `prepareInBackground()`
/// on a thread of the lowest priority — reading and checking the files and building
/// OpenSSL's context take milliseconds of CPU that must not sit on the path to the
/// server's first answer, nor be waited for by a connection.
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
    private let loaded = AdaptiveMutex<Result<TLSContext, TLSError>?>(nil)

    /// `locate` finds (or makes) the files. It may run on two threads at once (the
    /// background one and a connection that would not wait for it), so it must be safe to;
    /// the first result kept is the one used.
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

    /// Loads on a thread of its own at the lowest priority (nice 19): on a busy machine it
    /// yields to everything else, and a connection that comes first loads it itself
    /// rather than wait for this thread.
    public func prepareInBackground() {
        _ = DetachedThread.start(stackBytes: 512 * 1024) { [self] in
            // Linux keeps the nice value per thread: `who` 0 is this thread alone.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
            _ = context()
        }
    }

    /// The context: the one kept, or one made now (and kept, unless another thread kept
    /// one first).
    func context() -> Result<TLSContext, TLSError> {
        if let kept = loaded.withLock({ $0 }) { return kept }
        let made: Result<TLSContext, TLSError>
        do {
            let files = try locate()
            made = .success(try TLSContext(certificateChainFile: files.certificateChain, privateKeyFile: files.privateKey))
        } catch let error as TLSError {
            made = .failure(error)
        } catch {
            made = .failure(TLSError("\(error)"))
        }
        return loaded.withLock { kept in
            if let kept { return kept }
            kept = made
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
