import Emulator
import Foundation
import JSON
import Testing

@testable import RostiAPI
import TestSupport

/// `GET /__admin/jobs`, `POST /__admin/jobs/{id}/complete` and `…/fail`: a test sees every
/// company's jobs and forces an outcome instead of waiting (jobs here take 6 s).
@Suite struct JobAdminRoutesTests {
    func admin(_ server: RostiTestServer, _ method: String, _ path: String) throws -> RawResponse {
        try server.send(method, "/__admin/" + path, token: nil, language: nil)
    }

    @Test func listsTheJobsOfEveryCompanyWithAStatusFilter() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        _ = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        let all = try JSONParser.parse(try admin(server, "GET", "jobs").body).items
        #expect(all.map { $0["id"]?.int } == [4101, 4102])
        #expect(all.map { $0["company"]?.int } == [1, 1])
        let pending = try admin(server, "GET", "jobs?status=pending")
        #expect(try JSONParser.parse(pending.body).items.map { $0["id"]?.int } == [4102])
        let refused = try admin(server, "GET", "jobs?status=sleeping")
        #expect(refused.status == 400)
        #expect(refused.text.contains(#""field":"status""#))
    }

    @Test func completingAPendingJobAppliesItsEffectNow() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        _ = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        #expect(try server.json("GET", "/api/v1/1/snapshots/3102/")["status"] == "pending")

        let completed = try admin(server, "POST", "jobs/4102/complete")
        #expect(completed.status == 200)
        let job = try JSONParser.parse(completed.body)
        #expect(job["status"] == "done")
        #expect(job["progress"]?.int == 100)
        #expect(job["finished"] == "2026-01-10T13:00:00+01:00")  // the frozen clock's now, not the 6 s later
        #expect(try server.json("GET", "/api/v1/1/snapshots/3102/")["status"] == "ready")
        #expect(try server.json("GET", "/api/v1/1/jobs/4102/")["status"] == "done")

        let again = try admin(server, "POST", "jobs/4102/complete")
        #expect(again.status == 409)
        #expect(again.text.contains("already done"))
    }

    @Test func failingAJobEndsItWithoutItsEffect() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        _ = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        server.clock.advance(by: 3)  // running by now
        #expect(try server.json("GET", "/api/v1/1/jobs/4102/")["status"] == "running")

        let failed = try admin(server, "POST", "jobs/4102/fail")
        #expect(failed.status == 200)
        #expect(try JSONParser.parse(failed.body)["status"] == "failed")
        #expect(try server.json("GET", "/api/v1/1/snapshots/3102/")["status"] == "failed")
        let czech = try server.send("GET", "/api/v1/1/jobs/4102/", language: "cs")
        #expect(try JSONParser.parse(czech.body)["message"] == "Úloha byla ukončena jako neúspěšná přes administrační API emulátoru.")

        // Time passing afterwards changes nothing: the job's outcome is settled.
        server.clock.advance(by: 60)
        #expect(try server.json("GET", "/api/v1/1/jobs/4102/")["status"] == "failed")
        #expect(try admin(server, "POST", "jobs/4102/fail").status == 409)
    }

    @Test func unknownJobsAre404() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        #expect(try admin(server, "POST", "jobs/9999/complete").status == 404)
        #expect(try admin(server, "POST", "jobs/abc/fail").status == 404)
    }
}
