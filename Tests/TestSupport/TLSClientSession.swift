#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// How `RawClient` speaks TLS: what it trusts, the name it asks for, ALPN, the versions.
public struct TLSClientOptions: Sendable {
    /// A PEM file of trusted certificates (the server's chain is verified against it and
    /// its name checked); nil: no verification.
    public var trustedCertificates: String?
    /// Sent as SNI and, when verifying, checked against the certificate.
    public var serverName = "localhost"
    public var alpn: [String] = ["http/1.1"]
    /// OpenSSL's version numbers (`TLS1_1_VERSION`, …); nil leaves OpenSSL's default.
    public var minimumVersion: Int32?
    public var maximumVersion: Int32?

    public init(trustedCertificates: String? = nil, serverName: String = "localhost", alpn: [String] = ["http/1.1"]) {
        self.trustedCertificates = trustedCertificates
        self.serverName = serverName
        self.alpn = alpn
    }
}

/// A client TLS session over a blocking socket (OpenSSL), for tests.
final class TLSClientSession {
    private let context: OpaquePointer
    private let ssl: OpaquePointer

    init(descriptor: Int32, options: TLSClientOptions) throws {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw RawClientError(description: "SSL_CTX_new failed") }
        self.context = context
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw RawClientError(description: "SSL_new failed")
        }
        self.ssl = ssl
        if let minimum = options.minimumVersion {
            // SSL_set_min_proto_version is a macro over SSL_ctrl.
            _ = SSL_ctrl(ssl, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(minimum), nil)
        }
        if let maximum = options.maximumVersion {
            _ = SSL_ctrl(ssl, SSL_CTRL_SET_MAX_PROTO_VERSION, Int(maximum), nil)
            if maximum < TLS1_2_VERSION {
                // OpenSSL 3 refuses to offer TLS 1.0/1.1 at its default security level: a
                // client that still speaks them is configured down to level 0.
                SSL_set_security_level(ssl, 0)
                _ = SSL_set_cipher_list(ssl, "DEFAULT@SECLEVEL=0")
            }
        }
        if !options.alpn.isEmpty {
            var wire: [UInt8] = []
            for name in options.alpn { wire.append(UInt8(name.utf8.count)); wire += Array(name.utf8) }
            _ = SSL_set_alpn_protos(ssl, wire, UInt32(wire.count))
        }
        _ = options.serverName.withCString { SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0)) }
        if let trusted = options.trustedCertificates {
            guard SSL_CTX_load_verify_locations(context, trusted, nil) == 1 else {
                throw RawClientError(description: "cannot load \(trusted): \(Self.takeError())")
            }
            SSL_set_verify(ssl, SSL_VERIFY_PEER, nil)
            _ = SSL_set1_host(ssl, options.serverName)
        }
        SSL_set_fd(ssl, descriptor)
        guard SSL_connect(ssl) == 1 else {
            let verification = SSL_get_verify_result(ssl)
            let reason = Self.takeError()
            throw RawClientError(description: "TLS handshake failed: \(reason)" + (verification == X509_V_OK ? "" : " (verify: \(String(cString: X509_verify_cert_error_string(verification))))"))
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    var version: String { String(cString: SSL_get_version(ssl)) }

    var cipher: String { SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? "" }

    var hasPending: Bool { SSL_has_pending(ssl) == 1 }

    /// The server ended the session with close_notify (not a bare end of stream).
    private(set) var receivedCloseNotify = false

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            var written = 0
            let ok = bytes[offset...].withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress, $0.count, &written) }
            guard ok == 1 else { throw RawClientError(description: "SSL_write failed: \(Self.takeError())") }
            offset += written
        }
    }

    /// What recv would return: bytes read, 0 at the end, -1 on an error or time-out.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var count = 0
        if SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 { return count }
        let error = SSL_get_error(ssl, 0)
        ERR_clear_error()
        if error == SSL_ERROR_ZERO_RETURN { receivedCloseNotify = true }
        return error == SSL_ERROR_ZERO_RETURN ? 0 : -1
    }

    func closeNotify() {
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    static func takeError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "connection closed" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
