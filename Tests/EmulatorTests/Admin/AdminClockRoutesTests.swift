import JSON
import Testing

@testable import Emulator
import TestSupport

/// The tenant's clock over HTTP: read, set, advance, and refusals.
@Suite struct AdminClockRoutesTests {
    @Test func freezeThenAdvanceMovesWhatTheAPISees() throws {
        let harness = try ControlPlaneHarness()
        let initial = try harness.admin("GET", "clock")
        #expect(initial["mode"] == "real")
        #expect(initial["offset_s"] == 0)

        let frozen = try harness.admin("PUT", "clock", json: ["mode": "frozen", "now": "2030-06-01T08:00:00Z"])
        #expect(frozen.status == 200)
        #expect(frozen["mode"] == "frozen")
        #expect(frozen["now"] == "2030-06-01T08:00:00.000Z")
        #expect(try harness.send("GET", "/time")["now"] == 1_906_531_200)

        let advanced = try harness.admin("POST", "clock/advance", json: ["seconds": 3600.5])
        #expect(advanced["now"] == "2030-06-01T09:00:00.500Z")
        #expect(try harness.send("GET", "/time")["now"] == 1_906_534_800.5)
    }

    @Test func anOffsetClockKeepsRunningFromTheMomentGiven() throws {
        let harness = try ControlPlaneHarness()
        let set = try harness.admin("PUT", "clock", json: ["mode": "offset", "now": "2040-01-01T00:00:00+01:00"])
        #expect(set["mode"] == "offset")
        let now = try #require(try harness.send("GET", "/time")["now"]?.numberValue)
        #expect(now >= 2_208_985_200 && now < 2_208_985_200 + 60)
        let real = try harness.admin("PUT", "clock", json: ["mode": "real"])
        #expect(real["mode"] == "real")
        #expect(real["offset_s"] == 0)
    }

    @Test func clocksArePerTenant() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("PUT", "clock", tenant: "frozen-one", json: ["mode": "frozen", "now": "2001-01-01T00:00:00Z"])
        #expect(try harness.send("GET", "/time", tenant: "frozen-one")["now"] == 978_307_200)
        #expect(try harness.admin("GET", "clock")["mode"] == "real")
        #expect(try harness.admin("GET", "clock", tenant: "other")["mode"] == "real")
    }

    static let badCalls: [(String, JSONValue, String)] = [
        ("clock/advance", ["seconds": -5], "seconds"),
        ("clock/advance", [:], "seconds"),
        ("clock/advance", ["seconds": "60"], "seconds"),
        ("clock/advance", ["seconds": 60, "minutes": 1], "minutes"),
        ("clock", ["mode": "slow"], "mode"),
        ("clock", ["now": "2030-01-01T00:00:00Z"], "mode"),
        ("clock", ["mode": "frozen", "now": "yesterday"], "now"),
        ("clock", ["mode": "real", "now": "2030-01-01T00:00:00Z"], "now"),
    ]

    @Test(arguments: badCalls)
    func badClockCallsAreRefusedAndTheClockStaysAsItWas(path: String, body: JSONValue, field: String) throws {
        let harness = try ControlPlaneHarness()
        let method = path == "clock" ? "PUT" : "POST"
        let refused = try harness.admin(method, path, json: body)
        #expect(refused.status == 400)
        #expect(refused["field"] == .string(field))
        #expect(try harness.admin("GET", "clock")["mode"] == "real")
    }
}
