import Foundation
import Testing
import TestSupport

/// What `rostra serve` tells the harness that started it: the banner for people, the ready
/// file (`--ready-file`) for programs that start it on port 0.
@Suite struct ReadyFileAndBannerTests {
    struct Ready: Decodable {
        struct Listener: Decodable { let port: Int; let url: String }
        let version: String
        let pid: Int32
        let rosti: Listener
        let rosa: Listener
        let dashboard: String
        let state: String
    }

    @Test func theReadyFileNamesTheActualPortsAndIsRemovedOnShutdown() throws {
        let scratch = try TemporaryDirectory()
        let readyPath = scratch.path("harness/ready.json")
        let server = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", scratch.path("db.sqlite"), "--seed", RostraProcess.seedDirectory,
             "--ready-file", readyPath, "--log-level", "error"], directory: scratch.url)
        let ports = try server.waitForBanner()
        #expect(eventually { FileManager.default.fileExists(atPath: readyPath) })
        let ready = try JSONDecoder().decode(Ready.self, from: Data(contentsOf: URL(fileURLWithPath: readyPath)))
        #expect(ready.rosti.port == ports.rosti && ready.rosa.port == ports.rosa)
        #expect(ready.rosti.url == "http://127.0.0.1:\(ports.rosti)/")
        #expect(ready.rosa.url == "http://127.0.0.1:\(ports.rosa)/")
        #expect(ready.dashboard == "http://127.0.0.1:\(ports.rosti)/__admin/")
        #expect(ready.pid == server.process.processIdentifier)
        #expect(ready.state == scratch.path("db.sqlite"))
        #expect(ready.version == "0.1.0")
        #expect(try RostraProcess.get(port: ready.rosa.port, path: "/__admin/health").0 == 200)
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: readyPath), "a stopped Rostra leaves no ready file")
    }

    @Test func aWildcardHostIsWrittenAsLoopbackAndTheFileComesFromTheEnvironment() throws {
        let scratch = try TemporaryDirectory()
        let readyPath = scratch.path("ready.json")
        let server = try RostraProcess(
            ["serve", "--db", ":memory:", "--seed", RostraProcess.seedDirectory, "--log-level", "error"],
            environment: ["ROSTRA_HOST": "0.0.0.0", "ROSTRA_ROSTI_PORT": "0", "ROSTRA_ROSA_PORT": "0", "ROSTRA_READY_FILE": readyPath],
            directory: scratch.url)
        let ports = try server.waitForBanner()
        #expect(server.banner.contains("http://0.0.0.0:\(ports.rosti)/"), "the banner shows the address listened on")
        #expect(eventually { FileManager.default.fileExists(atPath: readyPath) })
        let ready = try JSONDecoder().decode(Ready.self, from: Data(contentsOf: URL(fileURLWithPath: readyPath)))
        #expect(ready.rosti.url == "http://127.0.0.1:\(ports.rosti)/", "a client connects to loopback, not to 0.0.0.0")
        #expect(ready.state == ":memory:")
        #expect(server.stop() == 0)
    }

    @Test func aReadyFileThatCannotBeWrittenStopsTheServer() throws {
        let scratch = try TemporaryDirectory()
        try "not a folder".write(toFile: scratch.path("file"), atomically: true, encoding: .utf8)
        let (status, _, errors) = try RostraProcess.run(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory,
             "--ready-file", scratch.path("file/ready.json")], directory: scratch.url)
        #expect(status == 1)
        #expect(errors.contains("Cannot write the ready file \(scratch.path("file/ready.json"))"))
    }

    /// A failure after the ready file was written still removes it: here the seed of a
    /// reused database, checked on a thread of its own once both APIs listen, turns out to
    /// be broken. Its `rosa.json` starts with 20 MB of blanks, so the check fails a good
    /// second after the ready file was written (a debug build parses some 20 MB a second).
    @Test func aStartUpFailureAfterTheReadyFileWasWrittenRemovesIt() throws {
        let scratch = try TemporaryDirectory()
        let seed = scratch.url.appendingPathComponent("seed")
        try FileManager.default.copyItem(atPath: RostraProcess.seedDirectory, toPath: seed.path)
        let arguments = ["serve", "--rosti-port", "0", "--rosa-port", "0", "--seed", seed.path, "--db", scratch.path("db.sqlite"),
                         "--log-level", "error"]
        let first = try RostraProcess(arguments, directory: scratch.url)
        _ = try first.waitForBanner()
        #expect(first.stop() == 0)

        try Data((String(repeating: " ", count: 20_000_000) + "{ not json").utf8).write(to: seed.appendingPathComponent("rosa.json"))
        let readyPath = scratch.path("ready.json")
        let server = try RostraProcess(arguments + ["--ready-file", readyPath], directory: scratch.url)
        _ = try server.waitForBanner()
        let wasWritten = eventually { FileManager.default.fileExists(atPath: readyPath) || !server.process.isRunning }
            && FileManager.default.fileExists(atPath: readyPath)
        #expect(wasWritten, "the ready file is written before the seed's check ends")
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 1)
        #expect(server.standardErrorLines().contains { $0.contains("rosa.json") })
        #expect(!FileManager.default.fileExists(atPath: readyPath), "a Rostra that ended leaves no ready file")
    }

    /// The banner without TLS; with it, each API's line also shows its https URL and a line
    /// names the certificate authority (`TLSServeTests`).
    @Test func theBannerListsBothAPIsTheDashboardAndTheSeedCredentials() throws {
        let scratch = try TemporaryDirectory()
        let server = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory, "--log-level", "error",
             "--no-tls"],
            directory: scratch.url)
        let ports = try server.waitForBanner()
        let lines = server.banner.split(separator: "\n").map(String.init)
        #expect(lines.first == "Rostra 0.1.0")
        #expect(lines.contains("  Rosti API            http://127.0.0.1:\(ports.rosti)/   (admin: /__admin/health)"))
        #expect(lines.contains("  Rosa File Store API  http://127.0.0.1:\(ports.rosa)/   (admin: /__admin/health)"))
        #expect(lines.contains("  Dashboard            http://127.0.0.1:\(ports.rosti)/__admin/   (admin API: docs/admin-api.md)"))
        #expect(lines.contains("  Seed credentials     Rosti: Authorization: Token rostidemo0000000000000000000000000000001"))
        #expect(lines.contains("                       Rosa:  --user demo:demo-password   (more in docs/seed-data.md)"))
        let (dashboardStatus, page) = try RostraProcess.get(port: ports.rosti, path: "/__admin/")
        #expect(dashboardStatus == 200 && page.contains("<html"), "the dashboard URL the banner shows is served")
        #expect(server.stop() == 0)

        let closed = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory, "--no-admin"],
            directory: scratch.url)
        _ = try closed.waitForBanner()
        #expect(!closed.banner.contains("Dashboard"))
        #expect(closed.banner.contains("Admin API            off (--no-admin); health stays"))
        #expect(closed.stop() == 0)
    }
}
