import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import Store
import Testing

@testable import RostiAPI
import TestSupport

/// Jobs on a controlled clock: pending for 2 s, running for 4 s (`RostiTestServer.slowJobs`).
@Suite struct JobLifecycleTests {
    func jobStatus(_ server: RostiTestServer, _ id: Int64) throws -> String? {
        try server.tenant.state.database.read { try $0.fetchValue(String.self, "SELECT status FROM rosti_jobs WHERE id = ?", [id]) }
    }

    @Test func aSnapshotJobGoesPendingRunningDoneAndOnlyThenTheSnapshotIsReady() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        let job = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201, "note": "before upgrade"}"#)
        #expect(job == [
            "id": 4102, "kind": "snapshot", "status": "pending", "app": 1201, "snapshot": 3102, "progress": 0,
            "message": "Waiting to start.", "created": "2026-01-10T13:00:00+01:00", "started": nil, "finished": nil,
        ])
        let snapshot = try server.json("GET", "/api/v1/1/snapshots/3102/")
        #expect(snapshot == [
            "id": 3102, "app": 1201, "app_name": "blog", "note": "before upgrade", "date": "2026-01-10T13:00:00+01:00",
            "size": 0, "status": "pending",
        ])

        server.clock.advance(by: 1)
        #expect(try server.json("GET", "/api/v1/1/jobs/4102/")["status"] == "pending")
        server.clock.advance(by: 1)
        let started = try server.json("GET", "/api/v1/1/jobs/4102/")
        #expect(started["status"] == "running")
        #expect(started["started"] == "2026-01-10T13:00:02+01:00")
        #expect(started["progress"] == 0)
        #expect(started["message"] == "In progress.")
        server.clock.advance(by: 2)
        #expect(try server.json("GET", "/api/v1/1/jobs/4102/")["progress"] == 50)
        #expect(try server.json("GET", "/api/v1/1/snapshots/3102/")["status"] == "pending")

        server.clock.advance(by: 2)
        // The clock's observer finished the job before any request looked.
        #expect(try jobStatus(server, 4102) == "done")
        let done = try server.json("GET", "/api/v1/1/jobs/4102/")
        #expect(done["status"] == "done")
        #expect(done["progress"] == 100)
        #expect(done["finished"] == "2026-01-10T13:00:06+01:00")
        #expect(done["message"] == "Snapshot created.")
        #expect(try server.send("GET", "/api/v1/1/jobs/4102/", language: "cs").text.contains(#""message":"Snapshot vytvořen.""#))
        let ready = try server.json("GET", "/api/v1/1/snapshots/3102/")
        #expect(ready["status"] == "ready")
        #expect(ready["size"] == 52_428_800)
    }

    /// Reads with no unfinished job, a job's whole life and the scheduler's timers log no
    /// problem (a NULL from MIN() over no jobs once made every such read a 500).
    @Test func aJobsLifeLogsNoProblems() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        #expect(try server.get("/api/v1/1/apps/").status == 200)
        _ = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        server.clock.advance(by: 10)
        #expect(try server.json("GET", "/api/v1/1/jobs/4102/")["status"] == "done")
        #expect(try server.get("/api/v1/1/snapshots/").status == 200)
        #expect(server.problems.messages == [])
    }

    @Test func withDurationsOfZeroTheAnswerIsTheFinishedJob() throws {
        let server = try RostiTestServer()
        let job = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1202}"#)
        #expect(job["status"] == "done")
        #expect(job["started"] == job["created"])
        #expect(job["finished"] == job["created"])
        #expect(try server.json("GET", "/api/v1/1/snapshots/3102/")["status"] == "ready")
    }

    @Test func aSnapshotOfAnAppDeletedMeanwhileFails() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        _ = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1202}"#)
        server.clock.advance(by: 3)
        _ = try server.json("DELETE", "/api/v1/1/apps/1202/")
        server.clock.advance(by: 3)
        let job = try server.json("GET", "/api/v1/1/jobs/4102/")
        #expect(job["status"] == "failed")
        #expect(job["message"] == "The app was deleted before the snapshot was taken.")
        #expect(job["finished"] == "2026-01-10T13:00:06+01:00")
        #expect(try server.json("GET", "/api/v1/1/snapshots/3102/")["status"] == "failed")
        #expect(try server.send("GET", "/api/v1/1/jobs/4102/", language: "cs").text
            .contains("Aplikace byla smazána dříve, než byl snapshot pořízen."))
    }

    @Test func aSnapshotDeletedWhileItIsTakenFailsItsJob() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        _ = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        #expect(try server.send("DELETE", "/api/v1/1/snapshots/3102/").text == "{}")
        server.clock.advance(by: 10)
        let job = try server.json("GET", "/api/v1/1/jobs/4102/")
        #expect(job["status"] == "failed")
        #expect(job["message"] == "The snapshot was deleted before it was finished.")
    }

    @Test func restoringIntoAnAppPutsTheSnapshotsDataBackAtDone() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        let usage = { try server.json("GET", "/api/v1/1/apps-status/1202/")["storage"]?["usage"] }
        #expect(try usage() == .number(0.05))
        let job = try server.json("PUT", "/api/v1/1/snapshots-restore/3101/", body: #"{"app": 1202}"#)
        #expect(job["kind"] == "restore")
        #expect(job["app"] == 1202)
        #expect(job["snapshot"] == 3101)
        server.clock.advance(by: 5)
        #expect(try usage() == .number(0.05), "no effect before done")
        server.clock.advance(by: 1)
        // 15 MiB, the seed snapshot's size.
        #expect(try usage() == .number(0.01))
        #expect(try server.json("GET", "/api/v1/1/jobs/4102/")["message"] == #"Snapshot 3101 restored into app "api_staging" (1202)."#)
    }

    @Test func restoringIntoAnAppThatNoLongerExistsFails() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        _ = try server.json("PUT", "/api/v1/1/snapshots-restore/3101/", body: #"{"app": 1202}"#)
        _ = try server.json("DELETE", "/api/v1/1/apps/1202/")
        server.clock.advance(by: 2)
        let job = try server.json("GET", "/api/v1/1/jobs/4102/")
        #expect(job["status"] == "failed")
        #expect(job["message"] == "The app to restore into no longer exists.")
        #expect(job["app"] == .some(.null))
    }

    @Test func restoringIntoANewAppCreatesItAtDoneAndNamesItInTheJob() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        let job = try server.json("PUT", "/api/v1/1/snapshots-restore/3101/", body: #"{"name": "blog_copy", "plan": 2}"#)
        #expect(job["kind"] == "new_app")
        #expect(job["app"] == .some(.null))
        server.clock.advance(by: 5)
        #expect(try server.json("GET", "/api/v1/1/apps/").items.count == 2, "no app before done")
        server.clock.advance(by: 1)
        let done = try server.json("GET", "/api/v1/1/jobs/4102/")
        #expect(done["status"] == "done")
        #expect(done["app"] == 1205)
        #expect(done["message"] == #"App "blog_copy" (1205) created from snapshot 3101."#)
        let app = try server.json("GET", "/api/v1/1/apps/1205/")
        #expect(app["name"] == "blog_copy")
        #expect(app["plan"] == 2)
        #expect(app["date"] == "2026-01-10T13:00:06+01:00")
        #expect(app["ssh_access"]?.items.count == 1)
        #expect(try server.json("GET", "/api/v1/1/apps-status/1205/")["storage"]?["usage"] == .number(0.01))
        #expect(try server.send("GET", "/api/v1/1/jobs/4102/", language: "cs").text
            .contains(#"Aplikace \"blog_copy\" (1205) vytvořena ze snapshotu 3101."#))
    }

    @Test func restoreRules() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        #expect(try server.send("PUT", "/api/v1/1/snapshots-restore/3101/", json: "{}").text
            == #"{"message":"validation error","errors":{"name":["This field is required."]}}"#)
        #expect(try server.send("PUT", "/api/v1/1/snapshots-restore/3101/", json: #"{"app": 1202, "name": "x"}"#).text
            == #"{"message":"validation error","errors":{"non_field_errors":["Give either app (to restore into it) or name (for a new app), not both."]}}"#)
        #expect(try server.send("PUT", "/api/v1/1/snapshots-restore/3101/", json: #"{"app": 1203}"#).text
            == #"{"message":"validation error","errors":{"app":["Invalid pk \"1203\" - object does not exist."]}}"#)
        #expect(try server.send("PUT", "/api/v1/2/snapshots-restore/3101/", json: #"{"app": 1203}"#).status == 404)
        _ = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        #expect(try server.send("PUT", "/api/v1/1/snapshots-restore/3102/", json: #"{"app": 1201}"#).text
            == #"{"message":"validation error","errors":{"non_field_errors":["The snapshot is not ready."]}}"#)
        #expect(try server.send("POST", "/api/v1/1/snapshots/", json: #"{"app": 1204}"#).text
            == #"{"message":"validation error","errors":{"app":["Invalid pk \"1204\" - object does not exist."]}}"#)
        #expect(try server.json("GET", "/api/v1/1/jobs/").items.count == 2, "refused requests made no jobs")
    }

    @Test func jobsFilterByStatus() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        _ = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        #expect(try server.json("GET", "/api/v1/1/jobs/?status=pending").items.map { $0["id"]?.int } == [4102])
        #expect(try server.json("GET", "/api/v1/1/jobs/?status=done").items.map { $0["id"]?.int } == [4101])
        #expect(try server.json("GET", "/api/v1/1/jobs/?status=").items.count == 2)
        #expect(try server.json("GET", "/api/v1/2/jobs/").items.isEmpty)
        #expect(try server.send("GET", "/api/v1/1/jobs/?status=sleeping").text
            == #"{"message":"validation error","errors":{"status":["\"sleeping\" is not a valid choice."]}}"#)
    }

    /// With the real clock and nobody asking, the scheduler's timer finishes the job.
    @Test func theSchedulerFinishesJobsOnItsOwn() throws {
        var settings = EmulatorSettings()
        for kind in JobKind.allCases { settings.jobDurations[kind] = JobDuration(pendingSeconds: 0.05, runningSeconds: 0.1) }
        let server = try RostiTestServer(settings: settings, freezeAt: nil)
        _ = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        let deadline = Date().addingTimeInterval(5)
        while try jobStatus(server, 4102) != "done" && Date() < deadline { usleep(10_000) }
        #expect(try jobStatus(server, 4102) == "done")
    }

    /// A job due while the server was down completes when the service starts again,
    /// before any request.
    @Test func jobsSurviveARestart() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rosti-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.sqlite").path
        do {
            let first = try RostiTestServer(
                state: StateStore(location: .file(path), seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema), settings: RostiTestServer.slowJobs)
            _ = try first.json("PUT", "/api/v1/1/snapshots-restore/3101/", body: #"{"name": "revived"}"#)
        }
        let reopened = try StateStore(location: .file(path), seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        #expect(try reopened.database.read { try $0.fetchValue(String.self, "SELECT status FROM rosti_jobs WHERE id = 4102") } == "pending")
        let second = try RostiTestServer(state: reopened, settings: RostiTestServer.slowJobs, freezeAt: frozenMoment + 3600)
        // The scheduler starts beside the listeners; the job finishes without any request.
        #expect(eventually { (try? jobStatus(second, 4102)) == "done" })
        let job = try second.json("GET", "/api/v1/1/jobs/4102/")
        #expect(job["finished"] == "2026-01-10T13:00:06+01:00", "finished at its own time, not at the restart")
        #expect(try second.json("GET", "/api/v1/1/apps/1205/")["name"] == "revived")
    }
}
