import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The database servers behind storages live and die with the `rostra` that runs them:
/// however it ends, no server, port or folder of theirs is left.
@Suite struct StorageEnginesLifecycleTests {
    static let enginesInstalled = FileManager.default.isExecutableFile(atPath: "/usr/sbin/mariadbd")
        && ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).contains {
            FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/postgres")
        }

    struct Running {
        let pids: [Int32]
        let ports: [Int]
        let runtime: String
    }

    /// The engines' pids, ports and runtime folder once a storages request started them.
    static func engines(of ports: (rosti: Int, rosa: Int)) throws -> Running {
        let (status, _) = try RostraProcess.get(
            port: ports.rosti, path: "/api/v1/1/storages/", headers: ["Authorization": "Token rostidemo0000000000000000000000000000001"])
        #expect(status == 200)
        let (_, body) = try RostraProcess.get(port: ports.rosti, path: "/__admin/engines")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let engines = json["engines"] as? [[String: Any]] ?? []
        return Running(
            pids: engines.compactMap { ($0["pid"] as? Int).map(Int32.init) }, ports: engines.compactMap { $0["port"] as? Int },
            runtime: try #require(json["runtime_folder"] as? String))
    }

    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !stat.contains(") Z ")
    }


    @Test(.enabled(if: enginesInstalled, "needs PostgreSQL and MariaDB: apt-get install -y postgresql mariadb-server"),
          arguments: [SIGTERM, SIGINT, SIGKILL])
    func nothingOfTheEnginesOutlivesRostra(signal: Int32) throws {
        let scratch = try TemporaryDirectory()
        let rostra = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory, "--log-level", "error"],
            directory: scratch.url)
        let running = try Self.engines(of: rostra.waitForBanner())
        #expect(running.pids.count == 2)
        #expect(running.ports.count == 2)
        #expect(running.pids.allSatisfy(Self.alive))
        #expect(FileManager.default.fileExists(atPath: running.runtime))

        kill(rostra.process.processIdentifier, signal)
        rostra.process.waitUntilExit()
        #expect(eventually(timeout: .seconds(30)) { !running.pids.contains(where: Self.alive) }, "servers left: \(running.pids.filter(Self.alive))")
        #expect(eventually(timeout: .seconds(30)) { !FileManager.default.fileExists(atPath: running.runtime) }, "\(running.runtime) is left")
        for port in running.ports { #expect(!accepts(port), "port \(port) still listens") }
    }

    /// `rostra export` carries each storage's data; `rostra import` into a new state brings
    /// it back (the servers start for the command and stop with it).
    @Test(.enabled(if: enginesInstalled, "needs PostgreSQL and MariaDB: apt-get install -y postgresql mariadb-server"))
    func exportAndImportCarryTheStoragesData() throws {
        let scratch = try TemporaryDirectory()
        let source = scratch.path("source.sqlite")
        let rostra = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", source, "--seed", RostraProcess.seedDirectory, "--log-level", "error"],
            directory: scratch.url)
        let ports = try rostra.waitForBanner()
        let first = try Self.engines(of: ports)
        let pgPort = try #require(first.ports.last)
        let wrote = try StorageClient.run("pgsql", port: pgPort, user: "dana_demo_1895", password: "demo-pgsql-password", database: "dana_demo_1895",
                                          sql: "CREATE TABLE carried (word text); INSERT INTO carried VALUES ('kept')")
        #expect(wrote.succeeded, "\(wrote.error)")
        // The CLI refuses while the server runs the state's engines.
        let (refused, _, refusal) = try RostraProcess.run(["export", scratch.path("no.json"), "--db", source, "--seed", RostraProcess.seedDirectory], directory: scratch.url)
        #expect(refused == 1)
        #expect(refusal.contains("another Rostra"))
        #expect(rostra.stop() == 0)

        let (exported, _, exportErrors) = try RostraProcess.run(
            ["export", scratch.path("state.json"), "--db", source, "--seed", RostraProcess.seedDirectory], directory: scratch.url)
        #expect(exported == 0, "\(exportErrors)")
        let target = scratch.path("target.sqlite")
        let (imported, _, importErrors) = try RostraProcess.run(
            ["import", scratch.path("state.json"), "--db", target, "--seed", RostraProcess.seedDirectory], directory: scratch.url)
        #expect(imported == 0, "\(importErrors)")

        let second = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", target, "--seed", RostraProcess.seedDirectory, "--log-level", "error"],
            directory: scratch.url)
        defer { _ = second.stop() }
        let engines = try Self.engines(of: second.waitForBanner())
        let read = try StorageClient.run("pgsql", port: try #require(engines.ports.last), user: "dana_demo_1895", password: "demo-pgsql-password",
                                         database: "dana_demo_1895", sql: "SELECT word FROM carried")
        #expect(read.output == "kept", "\(read.error)")
    }
}
