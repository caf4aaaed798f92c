import HTTP
import JSON
import Testing

@testable import Emulator
import TestSupport

/// Adding, listing, reading and deleting fault rules, and refusing bad ones whole.
@Suite struct AdminFaultRoutesTests {
    @Test func addListGetAndDeleteRules() throws {
        let harness = try ControlPlaneHarness()
        let first = try harness.admin("POST", "faults", json: ["api": "rosa", "method": "post", "path": "^/upload", "status": 503, "times": 1])
        #expect(first.status == 201)
        #expect(first["id"] == 1)
        #expect(first["tenant"] == "default")
        #expect(first["method"] == "POST")
        #expect(first["fired"] == 0)
        #expect(first["remaining"] == 1)
        #expect(first["seed"]?.numberValue != nil)
        let second = try harness.admin("POST", "faults", json: ["path": ".*", "delay_ms": 10, "delay_ms_max": 20, "probability": 0.5, "seed": 7])
        #expect(second["id"] == 2)
        #expect(second["seed"] == 7)

        let listed = try harness.admin("GET", "faults")
        #expect(listed["faults"]?.arrayValue?.compactMap { $0.objectValue?["id"] } == [1, 2])
        #expect(try harness.admin("GET", "faults/2")["delay_ms_max"] == 20)

        let deleted = try harness.admin("DELETE", "faults/1")
        #expect(deleted.status == 200)
        #expect(deleted["deleted"] == 1)
        #expect(try harness.admin("GET", "faults/1").status == 404)
        #expect(try harness.admin("DELETE", "faults/1").status == 404)
        #expect(try harness.admin("DELETE", "faults/banana").status == 404)

        try harness.admin("POST", "faults", json: ["drop": true])
        let cleared = try harness.admin("DELETE", "faults")
        #expect(cleared["deleted"] == 2)
        #expect(try harness.admin("GET", "faults")["faults"] == [])
        // Ids are never reused, so an old id cannot name a new rule.
        #expect(try harness.admin("POST", "faults", json: ["garbage": true])["id"] == 4)
    }

    static let badRules: [(JSONValue, String)] = [
        (.object(["status": 503, "drop": true]), "drop"),
        (["path": "("], "path"),
        (["status": 200], "status"),
        (["status": "503"], "status"),
        (["api": "rosty", "status": 500], "api"),
        (["method": "GE T", "status": 500], "method"),
        (["delay_ms_max": 10], "delay_ms_max"),
        (["delay_ms": 50, "delay_ms_max": 10], "delay_ms_max"),
        (["delay_ms": 10_000_000], "delay_ms"),
        (["times": 0, "status": 500], "times"),
        (["probability": 1.5, "status": 500], "probability"),
        (["probability": 0, "status": 500], "probability"),
        (["seed": -1, "status": 500], "seed"),
        (["location": "/x", "status": 503], "location"),
        (["status": 500, "colour": "red"], "colour"),
        (["path": "^/x"], "status"),
        (["status": 500, "tenant": "../x"], "tenant"),
    ]

    @Test(arguments: badRules)
    func badRulesAreRefusedNamingTheFieldAndNothingIsAdded(rule: JSONValue, field: String) throws {
        let harness = try ControlPlaneHarness()
        let refused = try harness.admin("POST", "faults", json: rule)
        #expect(refused.status == 400)
        #expect(refused["field"] == .string(field))
        #expect(refused["error"]?.stringValue?.hasPrefix(field) == true)
        #expect(try harness.admin("GET", "faults")["faults"] == [])
    }

    @Test func seedsGoUpTo2To53Minus1() throws {
        let harness = try ControlPlaneHarness()
        let largest = try harness.admin("POST", "faults", json: ["status": 500, "seed": 9_007_199_254_740_991])
        #expect(largest["seed"] == 9_007_199_254_740_991)
        #expect(largest.text.contains(#""seed":9007199254740991"#))
        #expect(try harness.admin("POST", "faults", json: ["status": 500, "seed": 9_007_199_254_740_992])["field"] == "seed")
    }

    @Test func aBodyThatIsNotAnObjectIsRefused() throws {
        let harness = try ControlPlaneHarness()
        #expect(try harness.send("POST", "/__admin/faults", body: "[1]")["field"] == "body")
        #expect(try harness.send("POST", "/__admin/faults", body: "{oops")["field"] == "body")
        #expect(try harness.send("POST", "/__admin/faults")["field"] == "body")
    }

    @Test func theTenantFieldPlacesTheRuleAndMustAgreeWithTheHeader() throws {
        let harness = try ControlPlaneHarness()
        let placed = try harness.admin("POST", "faults", json: ["tenant": "t1", "status": 500])
        #expect(placed["tenant"] == "t1")
        #expect(try harness.admin("GET", "faults")["faults"] == [])
        #expect(try harness.admin("GET", "faults", tenant: "t1")["faults"]?.arrayValue?.count == 1)
        #expect(try harness.send("GET", "/hello", tenant: "t1").status == 500)
        #expect(try harness.send("GET", "/hello").status == 200)

        let clash = try harness.admin("POST", "faults", tenant: "t2", json: ["tenant": "t1", "status": 500])
        #expect(clash.status == 400)
        #expect(clash["field"] == "tenant")
    }

    @Test func rulesOfOneTenantAreInvisibleToAnother() throws {
        let harness = try ControlPlaneHarness()
        let added = try harness.admin("POST", "faults", tenant: "a", json: ["status": 500])
        #expect(try harness.admin("GET", "faults/\(added["id"]!.text)", tenant: "b").status == 404)
        #expect(try harness.admin("DELETE", "faults/\(added["id"]!.text)", tenant: "b").status == 404)
        #expect(try harness.admin("GET", "faults", tenant: "a")["faults"]?.arrayValue?.count == 1)
    }
}
