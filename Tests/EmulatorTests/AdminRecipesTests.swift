import Foundation
import Testing

@testable import Emulator
import TestSupport

/// The recipes of docs/admin-api.md, written the way a user's integration suite would use
/// them: one emulator for the whole suite, a reset before each test, and the admin API to
/// steer it. The probe service stands in for the real endpoints (`/upload` for Rosa's
/// upload, `/jobs` for a Rosti job on the `snapshot` durations).
@Suite(.serialized) struct AdminRecipesTests {
    /// One server for the suite, as a CI job starts one Rostra for all its tests.
    static let server = Result { try ControlPlaneHarness() }
    /// Each suite in a tenant of its own, so it can run beside other suites on the server.
    let tenant = "recipes"
    let harness: ControlPlaneHarness

    /// Recipe: reset per test (the suite's setUp).
    init() throws {
        harness = try Self.server.get()
        let reset = try harness.admin("POST", "reset", tenant: tenant)
        try #require(reset.status == 200)
    }

    @Test func resetPerTestGivesEveryTestTheSeedWorld() throws {
        try harness.send("POST", "/companies", tenant: tenant, body: "Left behind by a test")
        try harness.admin("POST", "reset", tenant: tenant)
        #expect(try harness.send("GET", "/companies", tenant: tenant).json.arrayValue?.contains("Left behind by a test") == false)
    }

    @Test func failTheNextUploadWith503() throws {
        let rule = try harness.admin("POST", "faults", tenant: tenant, json: ["api": "rosa", "method": "POST", "path": "^/upload", "status": 503, "times": 1])
        #expect(rule.status == 201)
        let failed = try harness.send("POST", "/upload", api: .rosa, tenant: tenant, body: "first try")
        #expect(failed.status == 503)
        #expect(failed["renderer"] == "rosa")
        let retried = try harness.send("POST", "/upload", api: .rosa, tenant: tenant, body: "second try")
        #expect(retried.status == 201)
        // What the client sent, as the journal saw it.
        let uploads = try harness.admin("GET", "requests?method=POST&path=%5E/upload", tenant: tenant)
        #expect(uploads["requests"]?.arrayValue?.compactMap { $0.objectValue?["status"] } == [201, 503])
    }

    @Test func advanceTheClockAnHourToRefillTheRateLimit() throws {
        let previous = harness.emulator.settings.value.rateLimit
        try harness.admin("PUT", "settings", json: ["rate_limit": 3])
        defer { _ = try? harness.admin("PUT", "settings", json: ["rate_limit": .integer(previous)]) }
        // A window is a calendar hour of the clock: start at the top of one.
        try harness.admin("PUT", "clock", tenant: tenant, json: ["mode": "frozen", "now": "2030-05-05T10:00:00Z"])
        for _ in 0..<3 { #expect(try harness.send("GET", "/hello", tenant: tenant).status == 200) }
        #expect(try harness.send("GET", "/hello", tenant: tenant).status == 429)
        try harness.admin("POST", "clock/advance", tenant: tenant, json: ["seconds": 3600])
        #expect(try harness.send("GET", "/hello", tenant: tenant).status == 200)
    }

    @Test func waitForAJobByAdvancingTheClock() throws {
        let job = try harness.send("POST", "/jobs", api: .rosti, tenant: tenant)
        let id = try #require(job["id"]?.numberValue.map { Int($0) })
        #expect(try harness.send("GET", "/jobs/\(id)", tenant: tenant)["status"] == "pending")
        let durations = try #require(harness.admin("GET", "settings")["job_durations"]?.objectValue?["snapshot"]?.objectValue)
        let total = (durations["pending_s"]?.numberValue ?? 0) + (durations["running_s"]?.numberValue ?? 0)
        try harness.admin("POST", "clock/advance", tenant: tenant, json: ["seconds": .number(total)])
        #expect(try harness.send("GET", "/jobs/\(id)", tenant: tenant)["status"] == "done")
    }
}
