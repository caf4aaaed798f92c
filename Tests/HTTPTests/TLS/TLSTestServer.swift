import COpenSSL
import HTTP
import TestSupport

/// A certificate authority of its own in a scratch folder, and a server certificate for
/// `localhost`, `127.0.0.1`, `::1` and `admin.rosti.cz`.
struct TestCertificates {
    static let names = ["localhost", "127.0.0.1", "::1", "admin.rosti.cz"]
    let directory: TemporaryDirectory
    let authority: LocalCertificateAuthority
    let files: TLSIdentity.Files

    init() throws {
        directory = try TemporaryDirectory()
        authority = LocalCertificateAuthority(directory: directory.path("ca"))
        files = try authority.prepareServerCertificate(names: Self.names).0
    }

    /// Client options that verify the server against this authority.
    func clientOptions(serverName: String = "localhost") -> TLSClientOptions {
        TLSClientOptions(trustedCertificates: authority.authorityCertificatePath, serverName: serverName)
    }
}

/// `withTestServer` with a TLS listener serving the test authority's certificate.
func withTLSTestServer(
    configure: (inout ServerConfiguration) -> Void = { _ in },
    logs: CapturedLogs = CapturedLogs(),
    routes: (inout Router) -> Void,
    _ body: (HTTPServer, TestCertificates) throws -> Void
) throws {
    let certificates = try TestCertificates()
    try withTestServer(configure: { configuration in
        configuration.tls = TLSIdentity(certificates.files)
        configure(&configuration)
    }, logs: logs, routes: routes) { server in
        try body(server, certificates)
    }
}
