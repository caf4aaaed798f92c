import Foundation
import HTTP
import Primitives
import Testing

@testable import Emulator
import TestSupport

/// Each fault action seen from a raw socket, rules and per-request headers alike.
@Suite struct FaultActionTests {
    @Test func aStatusIsAnsweredWithTheAPIsOwnBody() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", json: ["path": "^/hello$", "status": 503])
        for api in EmulatedAPI.allCases {
            let answer = try harness.send("GET", "/hello", api: api)
            #expect(answer.status == 503)
            #expect(answer.json == ["renderer": .string(api.rawValue), "status": 503])
        }
        #expect(try harness.send("GET", "/companies").status == 200)
    }

    @Test func aRedirectCarriesLocation() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", json: ["path": "^/hello", "status": 302, "location": "https://elsewhere.test/"])
        let redirected = try harness.send("GET", "/hello")
        #expect(redirected.status == 302)
        #expect(redirected.headers["Location"] == "https://elsewhere.test/")
        let byHeader = try harness.send("GET", "/companies?page=2", headers: [FaultHeaders.fault: "307"])
        #expect(byHeader.status == 307)
        #expect(byHeader.headers["Location"] == "/companies?page=2")
    }

    @Test func dropClosesWithoutAByte() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", json: ["api": "rosa", "path": "^/hello", "drop": true])
        let dropped = try harness.send("GET", "/hello", api: .rosa)
        #expect(dropped.status == 0)
        #expect(dropped.raw.isEmpty)
        #expect(try harness.send("GET", "/hello", api: .rosti).status == 200)
        #expect(try harness.send("GET", "/companies", headers: [FaultHeaders.fault: "drop"]).raw.isEmpty)
    }

    @Test func garbageIsBytesThatAreNotHTTP() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", json: ["path": "^/hello", "garbage": true])
        let garbage = try harness.send("GET", "/hello")
        #expect(garbage.status == -1)
        #expect(garbage.raw == FaultRule.Action.garbageBytes)
        #expect(try harness.send("GET", "/companies", headers: [FaultHeaders.fault: "garbage"]).raw == FaultRule.Action.garbageBytes)
    }

    @Test func aDelayHoldsTheAnswerThenLetsItThrough() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", json: ["path": "^/hello", "delay_ms": 150])
        let started = MonotonicTime.now()
        let delayed = try harness.send("GET", "/hello")
        let elapsed = MonotonicTime.now().since(started).milliseconds
        #expect(delayed.status == 200)
        #expect(delayed.text == "hello")
        #expect(elapsed >= 150)
    }

    @Test func aDelayRangeStaysInItsRange() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", json: ["path": "^/hello", "delay_ms": 40, "delay_ms_max": 80, "status": 500])
        for _ in 0..<3 {
            let started = MonotonicTime.now()
            #expect(try harness.send("GET", "/hello").status == 500)
            #expect(MonotonicTime.now().since(started).milliseconds >= 40)
        }
        let notes = try harness.admin("GET", "requests")["requests"]?.arrayValue ?? []
        for note in notes.compactMap({ $0.objectValue?["fault"]?.stringValue }) {
            let delay = Int(note.split(separator: " ")[3])!  // "rule 1: delay N ms, status 500"
            #expect((40...80).contains(delay))
        }
        #expect(notes.count == 3)
    }

    @Test func headersDoForOneRequestWhatARuleDoes() throws {
        let harness = try ControlPlaneHarness()
        let failed = try harness.send("GET", "/hello", api: .rosti, headers: [FaultHeaders.fault: "503"])
        #expect(failed.status == 503)
        #expect(failed["renderer"] == "rosti")
        let started = MonotonicTime.now()
        #expect(try harness.send("GET", "/hello", headers: [FaultHeaders.delay: "120"]).status == 200)
        #expect(MonotonicTime.now().since(started).milliseconds >= 120)
        #expect(try harness.send("GET", "/hello").status == 200)
    }

    @Test(arguments: [(FaultHeaders.fault, "teapot"), (FaultHeaders.fault, "200"), (FaultHeaders.fault, "600"), (FaultHeaders.delay, "-1"), (FaultHeaders.delay, "soon"), (FaultHeaders.delay, "99999999")])
    func aMeaninglessFaultHeaderIsRefusedNotIgnored(header: String, value: String) throws {
        let harness = try ControlPlaneHarness()
        let refused = try harness.send("GET", "/hello", headers: [header: value])
        #expect(refused.status == 400)
        #expect(refused["renderer"] == "rosa")
    }

    @Test func timesLimitsHowOftenARuleFires() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", json: ["method": "POST", "path": "^/upload", "status": 503, "times": 2])
        #expect(try harness.send("GET", "/hello").status == 200)
        #expect(try harness.send("POST", "/upload", body: "x").status == 503)
        #expect(try harness.send("POST", "/upload", body: "x").status == 503)
        #expect(try harness.send("POST", "/upload", body: "x").status == 201)
        let rule = try harness.admin("GET", "faults/1")
        #expect(rule["fired"] == 2)
        #expect(rule["remaining"] == 0)
    }

    @Test func theFirstRuleThatMatchesAndFiresDecides() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", json: ["path": "^/hello", "status": 500, "times": 1])
        try harness.admin("POST", "faults", json: ["path": "^/hel", "status": 502])
        #expect(try harness.send("GET", "/hello").status == 500)
        #expect(try harness.send("GET", "/hello").status == 502)
        #expect(try harness.send("GET", "/companies").status == 200)
    }

    @Test func faultsComeBeforeRateLimitsAndMaintenance() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("PUT", "settings", json: ["rate_limit": 1])
        try harness.admin("POST", "faults", json: ["path": "^/hello", "status": 500, "times": 3])
        for _ in 0..<3 {
            let failed = try harness.send("GET", "/hello")
            #expect(failed.status == 500)
            #expect(failed.headers["X-Probe-Used"] == nil, "the rate limiter never saw it")
        }
        #expect(try harness.send("GET", "/hello").headers["X-Probe-Used"] == "1")

        try harness.admin("PUT", "maintenance", json: ["enabled": true])
        #expect(try harness.send("GET", "/hello", headers: [FaultHeaders.fault: "drop"]).raw.isEmpty)
        #expect(try harness.send("GET", "/hello").status == 503)
    }

    @Test func latencyIsAddedToEveryAPIAnswerButNotToAdminCalls() throws {
        let harness = try ControlPlaneHarness()
        // Long enough that an admin call on a loaded machine still answers well within it.
        let latency = 400
        try harness.admin("PUT", "settings", json: ["latency_ms": .integer(latency)])
        var started = MonotonicTime.now()
        #expect(try harness.send("GET", "/hello").status == 200)
        #expect(MonotonicTime.now().since(started).milliseconds >= Double(latency))
        started = MonotonicTime.now()
        #expect(try harness.send("GET", "/hello", headers: [FaultHeaders.fault: "404"]).status == 404)
        #expect(MonotonicTime.now().since(started).milliseconds >= Double(latency))
        started = MonotonicTime.now()
        #expect(try harness.admin("GET", "settings").status == 200)
        #expect(MonotonicTime.now().since(started).milliseconds < Double(latency))
    }
}
