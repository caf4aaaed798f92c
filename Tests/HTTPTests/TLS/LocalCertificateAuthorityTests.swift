import Foundation
import HTTP
import Testing
import TestSupport

/// The local certificate authority: what it makes (checked with the openssl command, as a
/// user would), file modes, and when the server certificate is issued again.
@Suite struct LocalCertificateAuthorityTests {
    static let names = ["localhost", "127.0.0.1", "::1", "admin.rosti.cz", "file-store.rosalinux.ru"]

    @Test func itMakesAnAuthorityAndAServerCertificateThatVerify() throws {
        let folder = try TemporaryDirectory()
        let authority = LocalCertificateAuthority(directory: folder.path("deep/ca"))
        let (files, preparation) = try authority.prepareServerCertificate(names: Self.names)
        #expect(preparation == .init(madeAuthority: true, issuedBecause: "none existed"))
        #expect(files.certificateChain == authority.serverCertificatePath)

        #expect(try openssl(["verify", "-CAfile", authority.authorityCertificatePath, "-purpose", "sslserver", files.certificateChain])
            == (0, "\(files.certificateChain): OK"))
        let server = try openssl(["x509", "-in", files.certificateChain, "-noout", "-ext", "subjectAltName,basicConstraints,extendedKeyUsage", "-text"]).1
        #expect(server.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:admin.rosti.cz, DNS:file-store.rosalinux.ru"))
        #expect(server.contains("CA:FALSE"))
        #expect(server.contains("TLS Web Server Authentication"))
        #expect(server.contains("ASN1 OID: prime256v1"))
        let ca = try openssl(["x509", "-in", authority.authorityCertificatePath, "-noout", "-text"]).1
        #expect(ca.contains("CA:TRUE, pathlen:0"))
        #expect(ca.contains("Certificate Sign, CRL Sign"))
        #expect(ca.contains("ASN1 OID: prime256v1"))
        // Validity: the server certificate about a year (397 days), the authority ten.
        #expect(try openssl(["x509", "-in", files.certificateChain, "-noout", "-checkend", "\(396 * 86_400)"]).0 == 0)
        #expect(try openssl(["x509", "-in", files.certificateChain, "-noout", "-checkend", "\(398 * 86_400)"]).0 == 1)
        #expect(try openssl(["x509", "-in", authority.authorityCertificatePath, "-noout", "-checkend", "\(3649 * 86_400)"]).0 == 0)

        #expect(try mode(authority.authorityKeyPath) == 0o600)
        #expect(try mode(authority.serverKeyPath) == 0o600)
        #expect(try mode(authority.authorityCertificatePath) == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: authority.directory).sorted()
            == [".lock", "rostra-ca-key.pem", "rostra-ca.pem", "server-key.pem", "server.pem"])
    }

    @Test func aSecondStartKeepsWhatIsThere() throws {
        let folder = try TemporaryDirectory()
        let authority = LocalCertificateAuthority(directory: folder.path("ca"))
        _ = try authority.prepareServerCertificate(names: Self.names)
        let before = try contents(authority)
        let (_, again) = try authority.prepareServerCertificate(names: Self.names.reversed())
        #expect(again == .init(madeAuthority: false, issuedBecause: nil))
        #expect(try contents(authority) == before)
        #expect(try authority.prepareAuthority() == false)
    }

    @Test func aNewNameReissuesTheServerCertificateUnderTheSameAuthority() throws {
        let folder = try TemporaryDirectory()
        let authority = LocalCertificateAuthority(directory: folder.path("ca"))
        _ = try authority.prepareServerCertificate(names: Self.names)
        let before = try contents(authority)
        let (files, preparation) = try authority.prepareServerCertificate(names: Self.names + ["rostra.test", "10.1.2.3"])
        #expect(preparation.issuedBecause == "the one there did not name rostra.test, 10.1.2.3")
        let after = try contents(authority)
        #expect(after[0] == before[0] && after[1] == before[1], "the authority stays")
        #expect(after[2] != before[2])
        let names = try openssl(["x509", "-in", files.certificateChain, "-noout", "-ext", "subjectAltName"]).1
        #expect(names.contains("DNS:rostra.test") && names.contains("IP Address:10.1.2.3"))
        #expect(try openssl(["verify", "-CAfile", authority.authorityCertificatePath, files.certificateChain]).0 == 0)
    }

    @Test func aCertificateNearItsEndIsRenewed() throws {
        let folder = try TemporaryDirectory()
        let authority = LocalCertificateAuthority(directory: folder.path("ca"))
        _ = try authority.prepareServerCertificate(names: Self.names)
        let now = Int64(Date().timeIntervalSince1970)
        #expect(try authority.prepareServerCertificate(names: Self.names, now: now + 360 * 86_400).1.issuedBecause == nil)
        let (_, preparation) = try authority.prepareServerCertificate(names: Self.names, now: now + 370 * 86_400)
        #expect(preparation.issuedBecause == "the one there expires within 30 days")
    }

    @Test func aCertificateOfAnotherAuthorityIsReplaced() throws {
        let folder = try TemporaryDirectory()
        let mine = LocalCertificateAuthority(directory: folder.path("mine"))
        let other = LocalCertificateAuthority(directory: folder.path("other"))
        _ = try mine.prepareServerCertificate(names: Self.names)
        _ = try other.prepareServerCertificate(names: Self.names)
        try FileManager.default.removeItem(atPath: mine.serverCertificatePath)
        try FileManager.default.removeItem(atPath: mine.serverKeyPath)
        try FileManager.default.copyItem(atPath: other.serverCertificatePath, toPath: mine.serverCertificatePath)
        try FileManager.default.copyItem(atPath: other.serverKeyPath, toPath: mine.serverKeyPath)
        let (files, preparation) = try mine.prepareServerCertificate(names: Self.names)
        #expect(preparation.issuedBecause == "the one there was issued by another authority")
        #expect(try openssl(["verify", "-CAfile", mine.authorityCertificatePath, files.certificateChain]).0 == 0)
    }

    @Test func halfAnAuthorityIsNeverReplaced() throws {
        let folder = try TemporaryDirectory()
        let authority = LocalCertificateAuthority(directory: folder.path("ca"))
        try authority.prepareAuthority()
        try FileManager.default.removeItem(atPath: authority.authorityKeyPath)
        let certificate = try Data(contentsOf: URL(fileURLWithPath: authority.authorityCertificatePath))
        #expect {
            _ = try authority.prepareServerCertificate(names: Self.names)
        } throws: { error in
            "\(error)".contains("rostra-ca-key.pem is missing")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: authority.authorityCertificatePath)) == certificate)
    }

    @Test func namesACertificateCannotHoldAreRefused() throws {
        let folder = try TemporaryDirectory()
        let authority = LocalCertificateAuthority(directory: folder.path("ca"))
        for name in ["", "a b", "-x.test", "x..test", "ünï.test", "a/b", String(repeating: "a", count: 64) + ".test", "*"] {
            #expect(!LocalCertificateAuthority.isValidName(name), "\(name)")
            #expect(throws: TLSError.self) { _ = try authority.prepareServerCertificate(names: [name]) }
        }
        for name in ["rostra.test", "*.apps.test", "10.0.0.1", "fe80::1", "localhost", "xn--n3h.test"] {
            #expect(LocalCertificateAuthority.isValidName(name), "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: authority.authorityCertificatePath), "a refused name makes nothing")
    }

    @Test func processesStartingTogetherShareOneAuthority() throws {
        let folder = try TemporaryDirectory()
        let directory = folder.path("ca")
        let made = SharedCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if (try? LocalCertificateAuthority(directory: directory).prepareServerCertificate(names: Self.names).1.madeAuthority) == true {
                made.add(1)
            }
        }
        #expect(made.current == 1)
        let authority = LocalCertificateAuthority(directory: directory)
        #expect(try openssl(["verify", "-CAfile", authority.authorityCertificatePath, authority.serverCertificatePath]).0 == 0)
    }

    private func contents(_ authority: LocalCertificateAuthority) throws -> [Data] {
        try [authority.authorityCertificatePath, authority.authorityKeyPath, authority.serverCertificatePath, authority.serverKeyPath]
            .map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    }

    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }

    private func openssl(_ arguments: [String]) throws -> (Int32, String) {
        try run("/usr/bin/env", ["openssl"] + arguments)
    }
}
