#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// `rostra serve` over TLS and `rostra ca`, as a user runs them: the authority made on
/// first start beside the database, the https URLs in the banner and the ready file, curl
/// and openssl trusting what `rostra ca` prints, names added on a restart.
@Suite struct TLSServeTests {
    struct Ready: Decodable {
        struct Listener: Decodable { let port: Int; let url: String; let tls_port: Int?; let tls_url: String? }
        let rosti: Listener
        let rosa: Listener
        let ca_certificate: String?
    }

    static func serve(_ scratch: TemporaryDirectory, _ extra: [String] = [], environment: [String: String] = [:]) throws -> RostraProcess {
        try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--seed", RostraProcess.seedDirectory, "--log-level", "notice",
             "--ready-file", scratch.path("ready.json")] + extra, environment: environment, directory: scratch.url)
    }

    static func ready(_ scratch: TemporaryDirectory) throws -> Ready {
        #expect(eventually { FileManager.default.fileExists(atPath: scratch.path("ready.json")) })
        return try JSONDecoder().decode(Ready.self, from: Data(contentsOf: URL(fileURLWithPath: scratch.path("ready.json"))))
    }

    @Test func theFirstStartMakesTheAuthorityBesideTheDatabaseAndServesBothAPIsOverTLS() throws {
        let scratch = try TemporaryDirectory()
        let server = try Self.serve(scratch, ["--db", scratch.path("state/db.sqlite")])
        _ = try server.waitForBanner()
        let ready = try Self.ready(scratch)
        let ca = scratch.path("state/ca/rostra-ca.pem")
        #expect(ready.ca_certificate == ca)
        let rostiTLS = try #require(ready.rosti.tls_port)
        let rosaTLS = try #require(ready.rosa.tls_port)
        #expect(ready.rosti.tls_url == "https://127.0.0.1:\(rostiTLS)/")
        #expect(ready.rosa.tls_url == "https://127.0.0.1:\(rosaTLS)/")
        #expect(server.banner.contains("Rosti API            http://127.0.0.1:\(ready.rosti.port)/   https://127.0.0.1:\(rostiTLS)/   (admin: /__admin/health)"))
        #expect(server.banner.contains("Rosa File Store API  http://127.0.0.1:\(ready.rosa.port)/   https://127.0.0.1:\(rosaTLS)/   (admin: /__admin/health)"))
        #expect(server.banner.contains("TLS CA               \(ca)   (trust it: rostra ca)"))

        for (port, api) in [(rostiTLS, "rosti"), (rosaTLS, "rosa")] {
            for name in ["localhost", "127.0.0.1", "admin.rosti.cz", "file-store.rosalinux.ru"] {
                let answer = try run("curl", ["-sS", "--cacert", ca, "--resolve", "\(name):\(port):127.0.0.1", "https://\(name):\(port)/__admin/health"])
                #expect(answer.0 == 0 && answer.1.contains(#""api":"\#(api)""#), "\(name): \(answer)")
            }
        }
        let token = "Authorization: Token rostidemo0000000000000000000000000000001"
        let companies = try run("curl", ["-sS", "--cacert", ca, "-H", token, "https://localhost:\(rostiTLS)/api/v1/companies/"])
        #expect(companies.1.contains("Dana Demo"))
        let verified = try run("sh", ["-c", "openssl s_client -connect 127.0.0.1:\(rostiTLS) -servername admin.rosti.cz -verify_hostname admin.rosti.cz -CAfile \(ca) -verify_return_error -alpn http/1.1 </dev/null 2>&1"])
        #expect(verified.1.contains("Verify return code: 0 (ok)"))
        #expect(verified.1.contains("ALPN protocol: http/1.1"))

        let modes = try [scratch.path("state/ca/rostra-ca-key.pem"), scratch.path("state/ca/server-key.pem")].map {
            (try FileManager.default.attributesOfItem(atPath: $0)[.posixPermissions] as! NSNumber).intValue
        }
        #expect(modes == [0o600, 0o600])
        #expect(server.stop() == 0)
        let log = server.standardErrorLines().joined(separator: "\n")
        #expect(log.contains("made a certificate authority: \(ca)"))
        #expect(!log.contains("PRIVATE KEY") && !server.banner.contains("PRIVATE KEY"))
    }

    @Test func aRestartKeepsTheCertificatesAndANewNameReissuesTheServerOne() throws {
        let scratch = try TemporaryDirectory()
        let database = scratch.path("db.sqlite")
        let first = try Self.serve(scratch, ["--db", database])
        _ = try first.waitForBanner()
        _ = try Self.ready(scratch)
        #expect(eventually { FileManager.default.fileExists(atPath: scratch.path("ca/server.pem")) })
        #expect(first.stop() == 0)
        let authority = try Data(contentsOf: URL(fileURLWithPath: scratch.path("ca/rostra-ca.pem")))
        let serverCertificate = try Data(contentsOf: URL(fileURLWithPath: scratch.path("ca/server.pem")))

        let same = try Self.serve(scratch, ["--db", database])
        _ = try same.waitForBanner()
        let ready = try Self.ready(scratch)
        #expect(try run("curl", ["-sS", "--cacert", scratch.path("ca/rostra-ca.pem"), ready.rosa.tls_url! + "__admin/health"]).0 == 0)
        #expect(same.stop() == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("ca/server.pem"))) == serverCertificate, "kept")

        let renamed = try Self.serve(scratch, ["--db", database], environment: ["ROSTRA_TLS_NAMES": "rostra.test,Files.Test"])
        _ = try renamed.waitForBanner()
        let port = try #require(try Self.ready(scratch).rosa.tls_port)
        for name in ["rostra.test", "files.test"] {
            let answer = try run("curl", ["-sS", "--cacert", scratch.path("ca/rostra-ca.pem"), "--resolve", "\(name):\(port):127.0.0.1", "https://\(name):\(port)/__admin/health"])
            #expect(answer.0 == 0, "\(answer)")
        }
        #expect(renamed.stop() == 0)
        #expect(renamed.standardErrorLines().contains { $0.contains("issued a server certificate") && $0.contains("did not name rostra.test, files.test") })
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("ca/rostra-ca.pem"))) == authority, "the authority stays")
    }

    @Test func noTLSServesPlainHTTPOnlyAndMakesNothing() throws {
        let scratch = try TemporaryDirectory()
        let server = try Self.serve(scratch, ["--db", scratch.path("db.sqlite")], environment: ["ROSTRA_NO_TLS": "1"])
        _ = try server.waitForBanner()
        let ready = try Self.ready(scratch)
        #expect(ready.rosti.tls_port == nil && ready.ca_certificate == nil)
        #expect(!server.banner.contains("https://") && !server.banner.contains("TLS CA"))
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("ca")))
    }

    @Test func aThrowawayInstanceUsesTheUsersAuthority() throws {
        let scratch = try TemporaryDirectory()
        let dataHome = scratch.path("xdg")
        let shown = try RostraProcess.run(["ca", "--db", ":memory:", "--path"], environment: ["XDG_DATA_HOME": dataHome], directory: scratch.url)
        #expect(shown == (0, dataHome + "/rostra/ca/rostra-ca.pem\n", ""))
        let server = try Self.serve(scratch, ["--db", ":memory:"], environment: ["XDG_DATA_HOME": dataHome])
        _ = try server.waitForBanner()
        let ready = try Self.ready(scratch)
        #expect(ready.ca_certificate == dataHome + "/rostra/ca/rostra-ca.pem")
        let answer = try run("curl", ["-sS", "--cacert", ready.ca_certificate!, ready.rosti.tls_url! + "__admin/health"])
        #expect(answer.0 == 0 && answer.1.contains("ok"))
        #expect(server.stop() == 0)
        #expect(!server.standardErrorLines().contains { $0.contains("made a certificate authority") }, "`rostra ca` made it")
    }

    @Test func rostraCAPrintsThePathThePEMAndTheTrustRecipes() throws {
        let scratch = try TemporaryDirectory()
        let (status, output, errors) = try RostraProcess.run(["ca", "--db", scratch.path("s/db.sqlite")], directory: scratch.url)
        #expect(status == 0 && errors.isEmpty)
        let certificate = scratch.path("s/ca/rostra-ca.pem")
        let pem = try String(contentsOfFile: certificate, encoding: .utf8)
        #expect(output.contains("(made now)"))
        #expect(output.contains("Certificate  \(certificate)"))
        #expect(output.hasSuffix("\n\n" + pem))
        for recipe in ["curl --cacert \(certificate)", "SSL_CERT_FILE=\(certificate)", "REQUESTS_CA_BUNDLE=\(certificate)",
                       "NODE_EXTRA_CA_CERTS=\(certificate)", "update-ca-certificates"] {
            #expect(output.contains(recipe), "\(recipe)")
        }
        #expect(!output.contains("PRIVATE KEY"))
        let again = try RostraProcess.run(["ca", "--ca-dir", scratch.path("s/ca")], directory: scratch.url)
        #expect(again.1.contains("(made before)") && again.1.hasSuffix(pem))
    }

    @Test func mistakesAreUsageErrorsAndABusyPortIsNamed() throws {
        let scratch = try TemporaryDirectory()
        let badName = try RostraProcess.run(["serve", "--db", ":memory:", "--tls-name", "a b"], directory: scratch.url)
        #expect(badName.0 == 64 && badName.2.contains("--tls-name a b is not a host name or an IP address"))
        let badPort = try RostraProcess.run(["serve", "--db", ":memory:"], environment: ["ROSTRA_ROSA_TLS_PORT": "x"], directory: scratch.url)
        #expect(badPort.0 == 64 && badPort.2.contains("ROSTRA_ROSA_TLS_PORT"))

        let holder = try Self.serve(scratch, ["--db", ":memory:", "--ca-dir", scratch.path("ca")])
        _ = try holder.waitForBanner()
        let taken = try #require(try Self.ready(scratch).rosti.tls_port)
        let clash = try RostraProcess.run(
            ["serve", "--db", ":memory:", "--ca-dir", scratch.path("ca"), "--rosti-port", "0", "--rosa-port", "0",
             "--rosti-tls-port", "\(taken)", "--seed", RostraProcess.seedDirectory], directory: scratch.url)
        #expect(clash.0 == 1)
        #expect(clash.2.contains("Cannot listen for the rosti API over TLS on 127.0.0.1:\(taken)"))
        #expect(holder.stop() == 0)
    }

    /// A harness that names its plain ports but not the TLS ones gets no TLS listener where
    /// the default port is taken (by another Rostra, say) — a warning, not a failed start.
    @Test func aTakenDefaultTLSPortIsAWarningNotAFailure() throws {
        let scratch = try TemporaryDirectory()
        let holder = listeningSocket(port: 8443)  // nil: someone else holds 8443 already
        defer { if let holder { close(holder) } }
        let plain = try #require(freePort())
        let server = try RostraProcess(
            ["serve", "--rosti-port", "\(plain)", "--rosa-port", "0", "--db", ":memory:", "--ca-dir", scratch.path("ca"),
             "--seed", RostraProcess.seedDirectory, "--log-level", "warning", "--ready-file", scratch.path("ready.json")],
            directory: scratch.url)
        _ = try server.waitForBanner()
        let ready = try Self.ready(scratch)
        #expect(ready.rosti.tls_port == nil && ready.rosa.tls_port != nil)
        #expect(server.banner.contains("Rosti API            http://127.0.0.1:\(plain)/   (admin"))
        #expect(server.stop() == 0)
        #expect(server.standardErrorLines().contains { $0.contains("the rosti API is not served over TLS: its default port 8443 is in use") })
    }

    private func freePort() -> Int? {
        guard let descriptor = listeningSocket(port: 0) else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func listeningSocket(port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(descriptor, 1) == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    /// Runs a program found on the PATH: (exit status, standard output).
    private func run(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
