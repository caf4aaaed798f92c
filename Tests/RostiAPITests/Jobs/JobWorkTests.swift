import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import JSON
import Testing

@testable import RostiAPI
import TestSupport

/// Snapshots that hold an app's bytes: a snapshot job archives the app's `/srv` into the
/// state's snapshot store, a restore puts the files back, a new app from a snapshot gets a
/// copy; a job takes its configured time or its work, whichever is longer; the admin API
/// can make a snapshot fail part-way. Real tar archives throughout (no containers here: the
/// apps' folders are written directly).
@Suite struct JobWorkTests {
    /// Writes files into an app's `/srv` (made if missing) and answers its path.
    @discardableResult
    static func putFiles(_ server: RostiTestServer, app: Int64, _ files: [String: String]) throws -> String {
        let srv = try server.tenant.state.appSpace.serviceFolderPath(of: app)
        for (path, text) in files {
            let full = srv + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: false, encoding: .utf8)
        }
        return srv
    }

    static func fileSize(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).map(Int64.init) ?? nil
    }

    static func admin(_ server: RostiTestServer, _ method: String, _ path: String, body: String? = nil) throws -> RawResponse {
        try server.send(method, "/__admin/" + path, token: nil, language: nil, json: body)
    }

    /// A snapshot of app 1201 taken now (jobs are instant); its id.
    static func takeSnapshot(_ server: RostiTestServer, app: Int64 = 1201) throws -> Int64 {
        let job = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": \#(app)}"#)
        #expect(job["status"] == "done", "\(job)")
        return try #require(job["snapshot"]?.int)
    }

    @Test func aSnapshotHoldsTheAppsFilesAndItsSizeIsTheArchives() throws {
        let server = try RostiTestServer()
        try Self.putFiles(server, app: 1201, ["app/main.py": "print('v1')\n", "app/__pycache__/main.pyc": "compiled", "log/app.log": "x\n"])
        let id = try Self.takeSnapshot(server)
        let snapshot = try server.json("GET", "/api/v1/1/snapshots/\(id)/")
        #expect(snapshot["status"] == "ready")
        let archive = try #require(server.tenant.state.snapshotStore.archive(of: id))
        #expect(snapshot["size"]?.int == Self.fileSize(archive))
        let entries = try tarListing(archive)
        #expect(entries.contains("./app/main.py"))
        #expect(!entries.contains("./app/__pycache__"), "the platform's backups leave caches out")
        #expect(!entries.contains("./log/app.log"))
    }

    /// On a frozen clock whose moment has more digits than a JSON number of SQLite keeps
    /// (15), a work's end once rounded up past the job's own end: the job stayed running
    /// forever. Ten moments, each rounded one way or the other.
    @Test func onAFrozenClockAJobWhoseWorkEndedIsDoneWhateverItsMicroseconds() throws {
        let server = try RostiTestServer()
        #expect(try Self.admin(server, "PUT", "clock", body: #"{"mode":"frozen"}"#).status == 200)
        for _ in 0..<10 {
            #expect(try Self.admin(server, "POST", "clock/advance", body: #"{"seconds": 0.0000137}"#).status == 200)
            _ = try Self.takeSnapshot(server)
        }
    }

    @Test func anAppThatNeverRanHasAnEmptyButValidArchive() throws {
        let server = try RostiTestServer()
        #expect(server.tenant.state.appSpace.serviceFolder(of: 1202) == nil)
        let id = try Self.takeSnapshot(server, app: 1202)
        let archive = try #require(server.tenant.state.snapshotStore.archive(of: id))
        #expect(try tarListing(archive) == ["."])
        #expect(try server.json("GET", "/api/v1/1/snapshots/\(id)/")["size"]?.int == Self.fileSize(archive))
    }

    @Test func restoringIntoAnAppPutsItsFilesBack() throws {
        let server = try RostiTestServer()
        let srv = try Self.putFiles(server, app: 1201, ["app/main.py": "print('v1')\n"])
        let id = try Self.takeSnapshot(server)
        try "broken\n".write(toFile: srv + "/app/main.py", atomically: false, encoding: .utf8)
        try "junk".write(toFile: srv + "/junk.txt", atomically: false, encoding: .utf8)
        let job = try server.json("PUT", "/api/v1/1/snapshots-restore/\(id)/", body: #"{"app": 1201}"#)
        #expect(job["status"] == "done", "\(job)")
        #expect(try String(contentsOfFile: srv + "/app/main.py", encoding: .utf8) == "print('v1')\n")
        #expect(!FileManager.default.fileExists(atPath: srv + "/junk.txt"))
        let parent = (srv as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix(".srv") } == [], "nothing left beside /srv")
    }

    @Test func aNewAppFromASnapshotGetsACopyOfItsFiles() throws {
        let server = try RostiTestServer()
        try Self.putFiles(server, app: 1201, ["app/main.py": "print('v1')\n"])
        let id = try Self.takeSnapshot(server)
        let job = try server.json("PUT", "/api/v1/1/snapshots-restore/\(id)/", body: #"{"name": "copy", "plan": 2}"#)
        #expect(job["status"] == "done", "\(job)")
        let app = try #require(job["app"]?.int)
        let srv = try #require(server.tenant.state.appSpace.serviceFolder(of: app))
        #expect(try String(contentsOfFile: srv + "/app/main.py", encoding: .utf8) == "print('v1')\n")
        #expect(server.tenant.state.snapshotStore.stagedJobs().isEmpty)
    }

    @Test func deletingASnapshotFreesItsBytes() throws {
        let server = try RostiTestServer()
        try Self.putFiles(server, app: 1201, ["app/main.py": "print('v1')\n"])
        let id = try Self.takeSnapshot(server)
        let archive = try #require(server.tenant.state.snapshotStore.archive(of: id))
        #expect(try server.send("DELETE", "/api/v1/1/snapshots/\(id)/").status == 200)
        #expect(!FileManager.default.fileExists(atPath: archive))
    }

    @Test func aSeededSnapshotWithoutFilesIsNotRestoredOverAnApp() throws {
        let server = try RostiTestServer()
        let srv = try Self.putFiles(server, app: 1202, ["keep.txt": "mine"])
        let job = try server.json("PUT", "/api/v1/1/snapshots-restore/3101/", body: #"{"app": 1202}"#)
        #expect(job["status"] == "failed")
        #expect(job["message"] == "Snapshot 3101 holds no files (it came from a seed or an import without them).")
        #expect(try String(contentsOfFile: srv + "/keep.txt", encoding: .utf8) == "mine")
    }

    @Test func aJobTakesItsConfiguredTimeWhenTheWorkIsShorter() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        try Self.putFiles(server, app: 1201, ["app/main.py": "print('v1')\n"])
        let job = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        let id = try #require(job["id"]?.int)
        #expect(job["status"] == "pending")
        server.clock.advance(by: 2)
        // The work is done within moments; the job still runs its configured 4 s.
        let running = try server.json("GET", "/api/v1/1/jobs/\(id)/")
        #expect(running["status"] == "running")
        server.clock.advance(by: 3)
        #expect(try server.json("GET", "/api/v1/1/jobs/\(id)/")["progress"] == 75)
        server.clock.advance(by: 1)
        let done = try server.json("GET", "/api/v1/1/jobs/\(id)/")
        #expect(done["status"] == "done")
        #expect(done["finished"] == "2026-01-10T13:00:06+01:00")
    }

    @Test func theSnapshotFaultFailsAJobPartWayAndLeavesNothingBehind() throws {
        let server = try RostiTestServer()
        // 8 MiB, so the archive goes out in several pieces.
        try Self.putFiles(server, app: 1201, ["data/big.bin": String(repeating: "0123456789abcdef", count: 1 << 19)])
        let armed = try Self.admin(server, "POST", "apps/1201/snapshot-fault", body: #"{"fail_at_percent": 40}"#)
        #expect(armed.status == 200, "\(armed.text)")
        #expect(try JSONParser.parse(armed.body) == ["app": 1201, "fail_at_percent": 40])
        let job = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        #expect(job["status"] == "failed")
        #expect(job["progress"] == 40)
        #expect(job["message"] == "The snapshot failed at 40 % (a fault set through the emulator's admin API); nothing of it was kept.")
        let id = try #require(job["snapshot"]?.int)
        let snapshot = try server.json("GET", "/api/v1/1/snapshots/\(id)/")
        #expect(snapshot["status"] == "failed")
        #expect(snapshot["size"] == 0)
        let store = server.tenant.state.snapshotStore
        #expect(store.archive(of: id) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: try store.root()).filter { !$0.hasPrefix(".staging") } == [],
                "no half archive")
        // A failed snapshot cannot be restored.
        #expect(try server.send("PUT", "/api/v1/1/snapshots-restore/\(id)/", json: #"{"app": 1201}"#).status == 400)
        // The fault was for one job: the next snapshot is taken.
        #expect(try JSONParser.parse(try Self.admin(server, "GET", "apps/1201/snapshot-fault").body)["fail_at_percent"] == .null)
        _ = try Self.takeSnapshot(server)
    }

    @Test func theSnapshotFaultRefusesBadInputAndUnknownApps() throws {
        let server = try RostiTestServer()
        let outOfRange = try Self.admin(server, "POST", "apps/1201/snapshot-fault", body: #"{"fail_at_percent": 100}"#)
        #expect(outOfRange.status == 400)
        #expect(outOfRange.text.contains(#""field":"fail_at_percent""#))
        #expect(try Self.admin(server, "POST", "apps/1201/snapshot-fault", body: #"{"fail_at": 5}"#).status == 400)
        #expect(try Self.admin(server, "POST", "apps/9999/snapshot-fault", body: #"{"fail_at_percent": 5}"#).status == 404)
        #expect(try JSONParser.parse(try Self.admin(server, "GET", "apps/1201/snapshot-fault").body)["fail_at_percent"] == .null)
        _ = try Self.admin(server, "POST", "apps/1201/snapshot-fault", body: #"{"fail_at_percent": 5}"#)
        #expect(try Self.admin(server, "DELETE", "apps/1201/snapshot-fault").status == 200)
        _ = try Self.takeSnapshot(server)
    }

    @Test func archivesSurviveARestartAndTravelInExportsAndResets() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("state.sqlite")
        var id: Int64 = 0
        do {
            let store = try StateStore(location: .file(path), seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
            let server = try RostiTestServer(state: store)
            try Self.putFiles(server, app: 1201, ["app/main.py": "print('v1')\n"])
            id = try Self.takeSnapshot(server)
        }
        let store = try StateStore(location: .file(path), seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        let server = try RostiTestServer(state: store)
        let archive = try #require(server.tenant.state.snapshotStore.archive(of: id), "the archive is still there after a restart")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))

        let exported = try store.exportState()
        let copy = try StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        try copy.importState(exported)
        #expect(try copy.snapshotStore.contents(of: id).map { Data($0) } == bytes, "the export carries the archive")

        // A reset goes back to the seed, whose snapshots have no archives.
        try store.reset()
        #expect(store.snapshotStore.storedSnapshots().isEmpty)
    }

    @Test func anImportRefusesAnArchiveThatDoesNotMatchItsSnapshot() throws {
        let server = try RostiTestServer()
        try Self.putFiles(server, app: 1201, ["app/main.py": "print('v1')\n"])
        let id = try Self.takeSnapshot(server)
        let store = server.tenant.state
        var document = try #require(try JSONSerialization.jsonObject(with: try store.exportState()) as? [String: Any])
        var files = try #require(document["files"] as? [[String: Any]])
        let index = try #require(files.firstIndex { $0["key"] as? String == "snapshots/\(id)" })
        files[index]["base64"] = Data("not a tar".utf8).base64EncodedString()
        files[index]["size"] = 9
        document["files"] = files
        #expect(throws: StateImportError.self) { try store.importState(try JSONSerialization.data(withJSONObject: document)) }
        #expect(store.snapshotStore.archive(of: id) != nil, "a refused import changes nothing")
    }

    @Test func deletingATenantFreesItsSnapshotsBytes() throws {
        let server = try RostiTestServer()
        let tenant = [("X-Rostra-Tenant", "snapshots")]
        let created = try server.send("POST", "/api/v1/1/snapshots/", json: #"{"app": 1201}"#, headers: tenant)
        #expect(created.status == 200, "\(created.text)")
        let id = try #require(try JSONParser.parse(created.body)["snapshot"]?.int)
        let store = try #require(server.emulator.tenants.existingTenant(named: "snapshots")).state.snapshotStore
        let folder = try store.root()
        #expect(store.archive(of: id) != nil)
        #expect(try server.send("DELETE", "/__admin/tenants/snapshots").status == 200)
        #expect(!FileManager.default.fileExists(atPath: folder), "the tenant's archives went with it")
    }

    @Test func aJobOfAResetStateIsWorkedEvenWithAnIdAnEarlierJobHad() throws {
        let server = try RostiTestServer()
        #expect(try Self.takeSnapshot(server) == 3102)
        #expect(try Self.admin(server, "POST", "reset").status == 200)
        // The seed's counters again: job 4102 and snapshot 3102 once more, worked as new.
        #expect(try Self.takeSnapshot(server) == 3102)
        #expect(server.tenant.state.snapshotStore.archive(of: 3102) != nil)
    }
}
