import Foundation
import HTTP
import JSON
import Testing

@testable import Emulator
import TestSupport

/// `health`, `reset` and `state` over real sockets, on both ports.
@Suite struct AdminStateRoutesTests {
    @Test func healthAnswersOnBothPortsNamingTheAPI() throws {
        let harness = try ControlPlaneHarness()
        let rosti = try harness.admin("GET", "health", api: .rosti)
        #expect(rosti.status == 200)
        #expect(rosti.text == #"{"status":"ok","version":"\#(RostraVersion.string)","api":"rosti"}"#)
        #expect(try harness.admin("GET", "health", api: .rosa)["api"] == "rosa")
    }

    @Test func bothPortsShareTheSameStateBehindTheAdminAPI() throws {
        let harness = try ControlPlaneHarness()
        let added = try harness.admin("POST", "faults", api: .rosti, json: ["path": "^/nowhere", "status": 500])
        #expect(added.status == 201)
        let listed = try harness.admin("GET", "faults", api: .rosa)
        #expect(listed["faults"]?.arrayValue?.count == 1)
        try harness.admin("PUT", "clock", api: .rosa, json: ["mode": "frozen", "now": "2030-01-01T00:00:00Z"])
        #expect(try harness.admin("GET", "clock", api: .rosti)["now"] == "2030-01-01T00:00:00.000Z")
    }

    @Test func resetPutsDataBackToTheSeedAndTheTenantBackAsNew() throws {
        let harness = try ControlPlaneHarness()
        let seeded = try harness.send("GET", "/companies").json
        #expect(try harness.send("POST", "/companies", body: "Made in a test").status == 201)
        try harness.admin("POST", "faults", json: ["path": "^/never", "drop": true])
        try harness.admin("POST", "clock/advance", json: ["seconds": 86400])
        #expect(try harness.send("GET", "/companies").json.arrayValue?.count == (seeded.arrayValue?.count ?? 0) + 1)

        let reset = try harness.admin("POST", "reset")
        #expect(reset.status == 200)
        #expect(reset["tenant"] == "default")
        #expect(reset["reset"] == true)
        #expect(try harness.send("GET", "/companies").json == seeded)
        #expect(try harness.admin("GET", "faults")["faults"] == [])
        #expect(try harness.admin("GET", "clock")["mode"] == "real")
        // The journal restarted with the reset: only the request after it is there.
        let journal = try harness.admin("GET", "requests")
        #expect(journal["count"] == 1)
    }

    @Test func resetTakesAnEmptyBodyOrAnEmptyObjectButNothingElse() throws {
        let harness = try ControlPlaneHarness()
        #expect(try harness.admin("POST", "reset", json: [:]).status == 200)
        let refused = try harness.admin("POST", "reset", json: ["everything": true])
        #expect(refused.status == 400)
        #expect(refused["field"] == "everything")
    }

    @Test func resetStartsRateLimitCountersAfreshThroughAttachments() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("PUT", "settings", json: ["rate_limit": 2])
        for _ in 0..<2 { #expect(try harness.send("GET", "/hello").status == 200) }
        #expect(try harness.send("GET", "/hello").status == 429)
        try harness.admin("POST", "reset")
        #expect(try harness.send("GET", "/hello").status == 200)
    }

    @Test func stateExportsAndImportsOverHTTP() throws {
        let harness = try ControlPlaneHarness()
        try harness.send("POST", "/companies", body: "Snapshot world")
        let exported = try harness.admin("GET", "state")
        #expect(exported.status == 200)
        #expect(exported["format"] == "rostra-state")
        let world = try harness.send("GET", "/companies").json

        try harness.admin("POST", "reset")
        #expect(try harness.send("GET", "/companies").json != world)
        let imported = try harness.send("PUT", "/__admin/state", api: .rosa, body: exported.text)
        #expect(imported.status == 200)
        #expect(imported["imported"] == true)
        #expect(try harness.send("GET", "/companies").json == world)
    }

    @Test func aBrokenStateDocumentIsRefusedNamingTheProblemAndChangesNothing() throws {
        let harness = try ControlPlaneHarness()
        try harness.send("POST", "/companies", body: "Still here")
        let before = try harness.send("GET", "/companies").json
        var document = try harness.admin("GET", "state").json.objectValue!
        var tables = document["tables"]!.objectValue!
        tables["rosti_companies"] = [["id": 1, "name": "No created column"]]
        document["tables"] = .object(tables)
        let refused = try harness.send("PUT", "/__admin/state", api: .rosti, body: JSONValue.object(document).text)
        #expect(refused.status == 400)
        #expect(refused["error"]?.stringValue?.contains("rosti_companies") == true)
        #expect(try harness.send("GET", "/companies").json == before)

        let notJSON = try harness.send("PUT", "/__admin/state", body: "{not json")
        #expect(notJSON.status == 400)
    }

    @Test func unknownAdminPathsAnswerAdminJSON404() throws {
        let harness = try ControlPlaneHarness()
        let missing = try harness.admin("GET", "no-such-call")
        #expect(missing.status == 404)
        #expect(missing["error"] != nil)
        let wrongMethod = try harness.admin("PATCH", "settings")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["Allow"]?.contains("PUT") == true)
    }
}
