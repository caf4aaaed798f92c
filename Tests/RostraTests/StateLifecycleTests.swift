#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Store
import Testing
import TestSupport

/// What `rostra serve` does with the state at its start and its end (issue 20): a graceful
/// stop leaves a database file complete on its own and no throwaway folder; a file holding
/// no state is seeded, another program's is refused; a damaged one is reported by health.
@Suite struct StateLifecycleTests {
    static func serve(_ database: String, _ extra: [String] = []) -> [String] {
        ["serve", "--rosti-port", "0", "--rosa-port", "0", "--seed", RostraProcess.seedDirectory, "--db", database,
         "--log-level", "error"] + extra
    }

    static func post(port: Int, path: String, json: String) throws -> (Int, String) {
        let request = "POST \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
        return try RostraProcess.exchange(port: port, request: Array(request.utf8))
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aGracefulStopLeavesTheDatabaseFileCompleteOnItsOwn(_ signal: Int32) throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.path("state.sqlite")
        let server = try RostraProcess(Self.serve(path), directory: scratch.url)
        let ports = try server.waitForBanner()
        let (status, _) = try Self.post(port: ports.rosti, path: "/__admin/accounts", json: #"{"api": "rosti", "email": "kept@example.test"}"#)
        #expect(status == 201)
        kill(server.process.processIdentifier, signal)
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)

        // The file alone, copied where no -wal can follow it, holds the seed and the write.
        let copy = scratch.path("copy.sqlite")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let database = try Database(path: copy)
        let emails = try database.read { conn in
            try conn.fetchAll("SELECT email FROM rosti_accounts ORDER BY id").map { try $0["email"] as String }
        }
        #expect(emails.contains("kept@example.test"))
        #expect(emails.count > 1, "the seed's accounts are in the file too")
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0)
    }

    @Test func aStopRemovesTheThrowawayFoldersOfMemoryStatesAndTenants() throws {
        let scratch = try TemporaryDirectory()
        let temporary = scratch.path("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let server = try RostraProcess(Self.serve(":memory:"), environment: ["TMPDIR": temporary], directory: scratch.url)
        let ports = try server.waitForBanner()
        // A tenant made by an admin call, with an upload of its own.
        let (made, _) = try RostraProcess.get(port: ports.rosa, path: "/__admin/overview", headers: ["X-Rostra-Tenant": "t1"])
        #expect(made == 200)
        let body = "--b\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"x.txt\"\r\n\r\nleft behind?\r\n--b--\r\n"
        let upload = "POST /api/v1/upload HTTP/1.1\r\nHost: test\r\nConnection: close\r\nX-Rostra-Tenant: t1\r\n"
            + "Authorization: Basic \(Data("demo:demo-password".utf8).base64EncodedString())\r\n"
            + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        #expect(try RostraProcess.exchange(port: ports.rosa, request: Array(upload.utf8)).0 == 201)
        // A stranger naming a tenant is served from the seed view, a throwaway state too.
        let (stranger, _) = try RostraProcess.get(port: ports.rosa, path: "/api/v1/check", headers: ["X-Rostra-Tenant": "nobody-made-me"])
        #expect(stranger == 401)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).count >= 3, "the default state's, t1's and the seed view's folders")
        #expect(server.stop() == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary) == [])
    }

    @Test(arguments: ["empty", "sqlite without tables"])
    func aFileHoldingNoStateIsSeededAndSaysSo(_ kind: String) throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.path("state.sqlite")
        if kind == "empty" {
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        } else {
            _ = try Database(path: path)  // a valid SQLite file, not one table in it
        }
        let server = try RostraProcess(Self.serve(path), directory: scratch.url)
        let ports = try server.waitForBanner()
        #expect(server.banner.contains("(seeded now: the file held no state)"))
        let (status, _) = try RostraProcess.get(
            port: ports.rosti, path: "/api/v1/companies/", headers: ["Authorization": "Token rostidemo0000000000000000000000000000001"])
        #expect(status == 200, "the banner's credentials work")
        #expect(server.stop() == 0)
    }

    @Test func anotherProgramsDatabaseIsRefusedAndLeftAlone() throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.path("theirs.sqlite")
        let theirs = try Database(path: path)
        try theirs.write { try $0.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)") }
        try theirs.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let (status, _, errors) = try RostraProcess.run(Self.serve(path), directory: scratch.url)
        #expect(status != 0)
        #expect(errors.contains("tables of another program"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aDamagedFileMakesHealthUnhealthyWithTheWayOut() throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.path("state.sqlite")
        let first = try RostraProcess(Self.serve(path), directory: scratch.url)
        _ = try first.waitForBanner()
        #expect(first.stop() == 0)
        // Garbage over one page: the root of the apps table. The schema still reads, so
        // the state opens; every call that touches apps would fail.
        let (root, pageSize) = try { () throws -> (Int, Int) in
            let database = try Database(path: path)
            defer { try? database.close() }
            return try database.read { conn in
                (try conn.fetchValue(Int.self, "SELECT rootpage FROM sqlite_master WHERE name = 'rosti_apps'") ?? 0,
                 try conn.fetchValue(Int.self, "PRAGMA page_size") ?? 0)
            }
        }()
        #expect(root > 1 && pageSize > 0)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: pageSize))
        try handle.close()

        let server = try RostraProcess(Self.serve(path, ["--log-level", "error"]), directory: scratch.url)
        let ports = try server.waitForBanner()
        var health = try RostraProcess.get(port: ports.rosti, path: "/__admin/health")
        let deadline = Date().addingTimeInterval(10)
        while health.0 == 200 && Date() < deadline {
            usleep(20_000)
            health = try RostraProcess.get(port: ports.rosti, path: "/__admin/health")
        }
        #expect(health.0 == 503)
        #expect(health.1.contains(#""status":"unhealthy""#) && health.1.contains("--reseed"))
        let (exit, _, _) = try RostraProcess.run(
            ["health", "--rosti-port", "\(ports.rosti)", "--rosa-port", "\(ports.rosa)"], directory: scratch.url)
        #expect(exit != 0)
        #expect(server.stop() == 0)
        #expect(server.standardErrorLines().contains { $0.contains("is damaged") && $0.contains("rostra import") })
    }
}
