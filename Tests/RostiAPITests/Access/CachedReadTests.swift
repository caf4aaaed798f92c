import Emulator
import Foundation
import Testing

@testable import RostiAPI
import TestSupport

/// Reads are answered from the tenant's cache while the data is unchanged
/// (`RostiCall.cachedRead`); these check that a remembered answer is never a wrong one.
@Suite struct CachedReadTests {
    @Test func aReadAfterAWriteSeesTheWrite() throws {
        let server = try RostiTestServer()
        let before = try server.json("GET", "/api/v1/1/apps/").items.count
        #expect(try server.json("GET", "/api/v1/1/apps/").items.count == before)
        _ = try server.json("POST", "/api/v1/1/apps/", body: #"{"name": "cachetest"}"#)
        let after = try server.json("GET", "/api/v1/1/apps/").items
        #expect(after.count == before + 1)
        #expect(after.contains { $0["name"] == "cachetest" })
    }

    @Test func anAnswerRememberedForOneTokenIsNeverGivenToAnother() throws {
        let server = try RostiTestServer()
        #expect(try server.get("/api/v1/1/apps/").status == 200)
        #expect(try server.get("/api/v1/1/apps/").status == 200)
        #expect(try server.get("/api/v1/1/apps/", token: SeedTokens.other).status == 403)
        #expect(try server.get("/api/v1/1/apps/", token: nil).status == 401)
        #expect(try server.get("/api/v1/1/apps/", token: "rostidemo0000000000000000000000000000009").status == 401)
    }

    @Test func aTokenRemovedBehindTheAPIsBackStopsWorkingAtOnce() throws {
        let server = try RostiTestServer()
        #expect(try server.get("/api/v1/companies/").status == 200)
        try server.tenant.state.database.write {
            try $0.execute("UPDATE rosti_accounts SET token = ? WHERE token = ?", [String(repeating: "r", count: 40), SeedTokens.demo])
        }
        #expect(try server.get("/api/v1/companies/").status == 401)
    }

    @Test func answersThatDependOnTheClockAreComputedEveryTime() throws {
        let server = try RostiTestServer(settings: RostiTestServer.slowJobs)
        let job = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": 1201}"#)
        let path = "/api/v1/1/jobs/\(try #require(job["id"]?.int))/"
        server.clock.advance(by: 2)
        #expect(try server.json("GET", path)["progress"] == 0)
        // Nothing is written between these reads (the clock does not move the job from
        // running until it ends), yet the progress follows the clock.
        server.clock.advance(by: 2)
        #expect(try server.json("GET", path)["progress"] == 50)
        server.clock.advance(by: 1)
        #expect(try server.json("GET", path)["progress"] == 75)
    }
}
