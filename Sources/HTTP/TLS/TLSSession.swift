#if canImport(Glibc)
import Glibc
#endif
import COpenSSL
import CTLS
import Primitives

/// One connection's TLS session over its non-blocking socket (OpenSSL's `SSL`): the
/// handshake in steps, reads and writes that say when they would block — and which way:
/// a TLS read may have to write first (a key update's answer), and a write may have to
/// read — and the close_notify that ends it.
///
/// Used only by the worker serving the connection, like the connection itself.
final class TLSSession {
    private let ssl: OpaquePointer
    private let socket: Socket
    /// What the last operation that would have blocked waits for: readable, or writable.
    private(set) var blockedOnWriting = false
    /// The handshake finished: records can be read and written, and close_notify sent.
    private(set) var isEstablished = false
    /// Set once the session broke (an alert, a protocol error): nothing more is sent on it.
    private var failed = false

    /// What a handshake step came to.
    enum HandshakeStep {
        case done
        /// Wait for the socket (readable, or writable when `blockedOnWriting`).
        case wouldBlock
        /// The handshake failed: the reason in OpenSSL's words, and whether the client
        /// sent plain HTTP.
        case failed(reason: String, plainHTTP: Bool)
    }

    init?(context: TLSContext, socket: Socket) {
        guard let ssl = SSL_new(context.context) else {
            ERR_clear_error()
            return nil
        }
        guard SSL_set_fd(ssl, socket.descriptor) == 1 else {
            SSL_free(ssl)
            ERR_clear_error()
            return nil
        }
        SSL_set_accept_state(ssl)
        self.ssl = ssl
        self.socket = socket
    }

    deinit { SSL_free(ssl) }

    /// Goes on with the handshake as far as the socket allows now.
    func handshake() -> HandshakeStep {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            isEstablished = true
            return .done
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            blockedOnWriting = false
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            blockedOnWriting = true
            return .wouldBlock
        case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
            failed = true
            return .failed(reason: "the client closed the connection during the handshake", plainHTTP: false)
        default:
            failed = true
            var reason = [CChar](repeating: 0, count: 256)
            var plainHTTP: Int32 = 0
            rostra_tls_take_error(&reason, reason.count, &plainHTTP)
            return .failed(reason: reason.textUpToNUL, plainHTTP: plainHTTP != 0)
        }
    }

    /// The protocol ALPN chose (`http/1.1`), if the client offered one.
    var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// The TLS version agreed (`TLSv1.3`).
    var version: String { String(cString: SSL_get_version(ssl)) }

    /// Decrypted bytes, as a socket read gives them.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Socket.ReadResult {
        guard !failed, buffer.count > 0 else { return .endOfStream }
        ERR_clear_error()
        var count = 0
        if SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 { return .bytes(count) }
        switch SSL_get_error(ssl, 0) {
        case SSL_ERROR_WANT_READ:
            blockedOnWriting = false
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            blockedOnWriting = true
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            // close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a plain end of stream.
            return .endOfStream
        default:
            // A reset, a bad record, an alert: for us, the peer is gone.
            failed = true
            ERR_clear_error()
            return .endOfStream
        }
    }

    /// Encrypts and sends what the socket takes now; returns the plaintext bytes taken
    /// (0 = would block; `blockedOnWriting` says which way).
    func write(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        guard !failed else { throw SocketError(call: "SSL_write", errno: EPIPE) }
        guard bytes.count > 0 else { return 0 }
        ERR_clear_error()
        var count = 0
        if SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count) == 1 { return count }
        switch SSL_get_error(ssl, 0) {
        case SSL_ERROR_WANT_WRITE:
            blockedOnWriting = true
            return 0
        case SSL_ERROR_WANT_READ:
            blockedOnWriting = false
            return 0
        default:
            failed = true
            let error = currentErrno()
            ERR_clear_error()
            throw SocketError(call: "SSL_write", errno: error == 0 ? EPIPE : error)
        }
    }

    /// Decrypted bytes, or records read ahead and not yet decrypted, that the socket no
    /// longer shows: a connection holding some must not wait in the poller for input that
    /// has already arrived.
    var hasBufferedInput: Bool { !failed && SSL_has_pending(ssl) == 1 }

    /// Sends close_notify, once, without waiting for the client's (RFC 8446 §6.1 lets the
    /// closing side leave at once); what the socket cannot take now is dropped.
    func sendCloseNotify() {
        guard isEstablished, !failed else { return }
        failed = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }
}
