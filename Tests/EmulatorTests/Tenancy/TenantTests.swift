import Foundation
import HTTP
import JSON
import Primitives
import Synchronization
import Testing

@testable import Emulator
import TestSupport

/// `X-Rostra-Tenant`: isolated worlds on one server, named safely, capped, deleted alone.
@Suite struct TenantTests {
    static let badNames = ["", "..", ".hidden", "-x", "a/b", "a%2Fb", "x y", "žluť", "a\\b", String(repeating: "n", count: 65)]

    @Test(arguments: badNames)
    func namesThatAreNotPlainAreRefusedOnAPIAndAdminCalls(name: String) throws {
        let harness = try ControlPlaneHarness()
        let api = try harness.send("GET", "/hello", tenant: name)
        #expect(api.status == 400)
        #expect(api["renderer"] == "rosa")
        let admin = try harness.admin("GET", "clock", tenant: name)
        #expect(admin.status == 400)
        #expect(admin["error"]?.stringValue?.hasPrefix(TenantName.header) == true)
        #expect(harness.emulator.tenants.createdCount == 0)
    }

    @Test func plainNamesAreAcceptedAndDefaultIsTheDefaultTenant() throws {
        let harness = try ControlPlaneHarness()
        for name in ["t1", "CI-worker_3", "a.b", String(repeating: "n", count: 64)] {
            #expect(try harness.send("GET", "/hello", tenant: name).status == 200)
        }
        try harness.send("POST", "/companies", tenant: "default", body: "Via the header")
        #expect(try harness.send("GET", "/companies").json.arrayValue?.contains("Via the header") == true)
    }

    @Test func aNewTenantStartsFromTheSeedAndKeepsItsDataToItself() throws {
        let harness = try ControlPlaneHarness()
        let seeded = try harness.send("GET", "/companies").json
        try harness.send("POST", "/companies", tenant: "alpha", body: "Alpha only")
        #expect(try harness.send("GET", "/companies", tenant: "beta").json == seeded)
        #expect(try harness.send("GET", "/companies").json == seeded)
        #expect(try harness.send("GET", "/companies", api: .rosti, tenant: "alpha").json.arrayValue?.last == "Alpha only")
    }

    @Test func theNumberOfTenantsIsCappedBySetting() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("PUT", "settings", json: ["max_tenants": 2])
        #expect(try harness.send("GET", "/hello", tenant: "one").status == 200)
        #expect(try harness.admin("GET", "clock", tenant: "two").status == 200)
        let refused = try harness.send("GET", "/hello", tenant: "three")
        #expect(refused.status == 409)
        #expect(try harness.admin("GET", "clock", tenant: "three").status == 409)
        // Existing ones and the default stay usable.
        #expect(try harness.send("GET", "/hello", tenant: "one").status == 200)
        #expect(try harness.send("GET", "/hello").status == 200)
        try harness.admin("DELETE", "tenants/one")
        #expect(try harness.send("GET", "/hello", tenant: "three").status == 200)
    }

    @Test func aTenantIsDeletedAloneAndComesBackFreshIfNamedAgain() throws {
        let harness = try ControlPlaneHarness()
        try harness.send("POST", "/companies", tenant: "gone", body: "Forgotten")
        try harness.send("POST", "/companies", tenant: "stays", body: "Remembered")
        let listed = try harness.admin("GET", "tenants")
        #expect(listed["tenants"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue } == ["default", "gone", "stays"])
        #expect(listed["count"] == 2)

        let deleted = try harness.admin("DELETE", "tenants/gone")
        #expect(deleted.status == 200)
        #expect(deleted["deleted"] == "gone")
        #expect(try harness.admin("DELETE", "tenants/gone").status == 404)
        #expect(try harness.admin("DELETE", "tenants/default").status == 400)
        #expect(try harness.send("GET", "/companies", tenant: "stays").json.arrayValue?.contains("Remembered") == true)
        #expect(try harness.send("GET", "/companies", tenant: "gone").json.arrayValue?.contains("Forgotten") == false)
    }

    @Test func aResetKeepsTheTenantButDropsItsAttachmentsAndClockObservers() throws {
        let harness = try ControlPlaneHarness()
        let tenant = try harness.tenant("x")
        let observed = AdaptiveMutex(0)
        tenant.clock.addObserver { observed.withLock { $0 += 1 } }
        let counters = tenant.attachment(ProbeRateLimit.CounterKey.self) { ProbeRateLimit.Counter() }
        try harness.admin("POST", "reset", tenant: "x")
        #expect(try harness.tenant("x") === tenant)
        #expect(!tenant.isRetired)
        #expect(tenant.attachment(ProbeRateLimit.CounterKey.self) { ProbeRateLimit.Counter() } !== counters)
        let before = observed.withLock { $0 }
        tenant.clock.advance(by: 1)
        #expect(observed.withLock { $0 } == before, "the observer went with the reset")
        try harness.admin("DELETE", "tenants/x")
        #expect(tenant.isRetired)
        #expect(try harness.tenant("x") !== tenant)
    }

    /// Eight tests in parallel against one server, each in its own tenant: they create data,
    /// reset, add a fault, exhaust their rate limit and move their clock, and each sees only
    /// its own world.
    @Test func eightTenantsInParallelSeeOnlyTheirOwnWorld() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("PUT", "settings", json: ["rate_limit": 6])
        let seeded = try harness.send("GET", "/companies").json.arrayValue ?? []
        let failures = AdaptiveMutex<[String]>([])
        let finished = DispatchGroup()
        for worker in 0..<8 {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                do {
                    try Self.work(worker, harness: harness, seeded: seeded)
                } catch {
                    failures.withLock { $0.append("worker \(worker): \(error)") }
                }
            }
        }
        finished.wait()
        #expect(failures.withLock { $0 } == [])
        #expect(harness.emulator.tenants.createdCount == 8)
        #expect(try harness.send("GET", "/companies").json.arrayValue == seeded, "the default tenant was never touched")
    }

    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    static func work(_ worker: Int, harness: ControlPlaneHarness, seeded: [JSONValue]) throws {
        let tenant = "worker-\(worker)"
        func check(_ condition: Bool, _ what: String) throws {
            if !condition { throw Mismatch(description: what) }
        }
        for round in 0..<3 {
            try check(try harness.admin("POST", "reset", tenant: tenant).status == 200, "reset")
            try check(try harness.admin("PUT", "clock", tenant: tenant, json: ["mode": "frozen", "now": "2030-01-01T00:10:00Z"]).status == 200, "clock")
            // Data: after a reset only the seed; then only what this worker made.
            try check(try harness.send("GET", "/companies", tenant: tenant).json.arrayValue == seeded, "seed after reset, round \(round)")
            try check(try harness.send("POST", "/companies", api: worker % 2 == 0 ? .rosti : .rosa, tenant: tenant, body: "\(tenant) round \(round)").status == 201, "create")
            try check(try harness.send("GET", "/companies", tenant: tenant).json.arrayValue == seeded + [.string("\(tenant) round \(round)")], "own data only")
            // Faults: this worker's rule answers this worker's status, for this worker only.
            let status = 500 + worker
            try check(try harness.admin("POST", "faults", tenant: tenant, json: ["path": "^/probe", "status": .integer(status)]).status == 201, "fault")
            try check(try harness.send("GET", "/probe", tenant: tenant).status == status, "own fault")
            // Rate limit: 6 a window, counted per tenant; 3 used so far in this window (the
            // faulted request never reached the limiter).
            for _ in 0..<3 { try check(try harness.send("GET", "/hello", tenant: tenant).status == 200, "within the limit") }
            try check(try harness.send("GET", "/hello", tenant: tenant).status == 429, "over the limit")
            try check(try harness.admin("POST", "clock/advance", tenant: tenant, json: ["seconds": 3600]).status == 200, "advance")
            try check(try harness.send("GET", "/hello", tenant: tenant).status == 200, "refilled after an hour")
            // Journal: this round's requests of this tenant, nobody else's.
            let journal = try harness.admin("GET", "requests", tenant: tenant)
            let tenants = Set(journal["requests"]?.arrayValue?.compactMap { $0.objectValue?["tenant"]?.stringValue } ?? [])
            try check(tenants == [tenant] && journal["count"] == 9, "own journal: \(journal["count"] ?? .null)")
        }
    }
}
