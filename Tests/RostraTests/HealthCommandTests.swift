#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// `rostra health`, the container image's HEALTHCHECK: exit 0 for a healthy Rostra, 1 with a
/// reason otherwise.
@Suite struct HealthCommandTests {
    @Test func aRunningRostraIsHealthyOnTheConfiguredPortsThenUnhealthyOnceStopped() throws {
        let scratch = try TemporaryDirectory()
        let server = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory, "--log-level", "error"],
            directory: scratch.url)
        let ports = try server.waitForBanner()

        let (status, output, _) = try RostraProcess.run(
            ["health", "--rosti-port", "\(ports.rosti)", "--rosa-port", "\(ports.rosa)"], directory: scratch.url)
        #expect(status == 0)
        #expect(output.contains("healthy  http://127.0.0.1:\(ports.rosti)/__admin/health  200"))
        #expect(output.contains("healthy  http://127.0.0.1:\(ports.rosa)/__admin/health  200"))

        // As the container image runs it: the host and ports from serve's own variables.
        let environment = ["ROSTRA_HOST": "0.0.0.0", "ROSTRA_ROSTI_PORT": "\(ports.rosti)", "ROSTRA_ROSA_PORT": "\(ports.rosa)"]
        #expect(try RostraProcess.run(["health"], environment: environment, directory: scratch.url).0 == 0)

        let (missingStatus, _, missingErrors) = try RostraProcess.run(
            ["health", "http://127.0.0.1:\(ports.rosti)/no/such/path/"], directory: scratch.url)
        #expect(missingStatus == 1)
        #expect(missingErrors.contains("status 404"), "\(missingErrors)")

        #expect(server.stop() == 0)
        let (stoppedStatus, _, stoppedErrors) = try RostraProcess.run(
            ["health", "--rosti-port", "\(ports.rosti)", "--rosa-port", "\(ports.rosa)", "--timeout", "2"], directory: scratch.url)
        #expect(stoppedStatus == 1)
        #expect(stoppedErrors.contains("cannot connect to 127.0.0.1:\(ports.rosti)"), "\(stoppedErrors)")
    }

    @Test func aSilentPeerIsUnhealthyWithinTheTimeout() throws {
        // A listener that accepts (the kernel's backlog) but never answers.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(listener, raw, length) == 0, listen(listener, 4) == 0, getsockname(listener, raw, &length) == 0 else {
                    throw RawClientError(description: "cannot listen: errno \(errno)")
                }
            }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let scratch = try TemporaryDirectory()
        let started = Date()
        let (status, _, errors) = try RostraProcess.run(
            ["health", "--timeout", "1", "http://127.0.0.1:\(port)/__admin/health"], directory: scratch.url)
        #expect(status == 1)
        #expect(errors.contains("no answer within 1.0 s"), "\(errors)")
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func badArgumentsAreRefused() throws {
        let scratch = try TemporaryDirectory()
        let (status, _, errors) = try RostraProcess.run(["health", "https://127.0.0.1:8000/"], directory: scratch.url)
        #expect(status != 0 && status != 1, "a usage error, not an unhealthy verdict")
        #expect(errors.contains("is not an http:// URL"))
        let (timeoutStatus, _, timeoutErrors) = try RostraProcess.run(["health", "--timeout", "0"], directory: scratch.url)
        #expect(timeoutStatus != 0 && timeoutStatus != 1)
        #expect(timeoutErrors.contains("--timeout must be between 0 and 300 seconds"))
    }
}
