import Foundation
import HTTP
import Testing

@testable import Emulator
import TestSupport

/// A request that names a tenant not made yet makes it only when it comes from a real
/// caller (`APIService.isAuthenticated`); the others are served from the seed view, and
/// their journal entries wait there under the name they gave.
@Suite struct SeedViewTests {
    static let anonymous = [ProbeService.anonymousHeader: "1"]

    /// The reproduction: a stranger naming `a1 … a150` filled `max_tenants`, and the
    /// owner's own tenant then answered 409.
    @Test func requestsWithoutCredentialsMakeNoTenantAndLeaveTheCapAlone() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("PUT", "settings", json: ["max_tenants": 3])
        for index in 1...150 {
            let answer = try harness.send("GET", "/companies", tenant: "a\(index)", headers: Self.anonymous)
            #expect(answer.status == 200, "a\(index)")
        }
        #expect(harness.emulator.tenants.createdCount == 0)
        #expect(harness.emulator.tenants.existingTenant(named: "a1") == nil)
        // A real caller's request makes its tenant, and the admin can make one too.
        #expect(try harness.send("POST", "/companies", tenant: "mine", body: "Mine").status == 201)
        #expect(try harness.admin("GET", "clock", tenant: "ops").status == 200)
        #expect(harness.emulator.tenants.createdCount == 2)
    }

    @Test func theSeedViewAnswersAsANewTenantWouldAndCannotBeWritten() throws {
        let harness = try ControlPlaneHarness()
        let seeded = try harness.send("GET", "/companies").json
        #expect(try harness.send("GET", "/companies", tenant: "x", headers: Self.anonymous).json == seeded)
        // The probe writes without checking credentials; the seed view refuses the write,
        // so nothing one stranger sends reaches what another reads.
        #expect(try harness.send("POST", "/companies", tenant: "x", headers: Self.anonymous, body: "Sneaked in").status == 500)
        #expect(try harness.send("GET", "/companies", tenant: "y", headers: Self.anonymous).json == seeded)
        #expect(try harness.send("GET", "/companies", tenant: "z").json == seeded, "a tenant made now starts from the seed")
    }

    /// Entries are journaled under the name given, read by `?tenant=` and `*` without making
    /// the tenant, and become the tenant's journal once it is made, by an API call or an
    /// admin call.
    @Test func entriesWaitInTheSeedViewAndMoveToTheTenantWhenItIsMade() throws {
        let harness = try ControlPlaneHarness()
        for index in 0..<3 { try harness.send("GET", "/hello?n=\(index)", tenant: "late", headers: Self.anonymous) }
        try harness.send("GET", "/hello?other", tenant: "other", headers: Self.anonymous)
        let waiting = try harness.admin("GET", "requests?tenant=late")
        #expect(waiting["count"] == 3)
        #expect(waiting["requests"]?.arrayValue?.allSatisfy { $0.objectValue?["tenant"] == "late" } == true)
        #expect(try harness.admin("GET", "requests?tenant=*")["count"] == 4)
        #expect(harness.emulator.tenants.existingTenant(named: "late") == nil, "reading made nothing")

        try harness.send("GET", "/hello?n=3", tenant: "late")
        let late = try #require(harness.emulator.tenants.existingTenant(named: "late"))
        #expect(late.journal.entries.compactMap(\.query) == ["n=0", "n=1", "n=2", "n=3"])
        #expect(try harness.admin("GET", "requests?tenant=late")["count"] == 4)
        #expect(try harness.admin("GET", "requests?tenant=*")["count"] == 5)

        // An admin call that makes the tenant takes its entries too.
        #expect(try harness.admin("GET", "requests", tenant: "other")["count"] == 1)
        #expect(harness.emulator.tenants.existingSeedView?.journal.count == 0)

        // Clearing a name not made yet clears its entries in the seed view only.
        try harness.send("GET", "/hello", tenant: "third", headers: Self.anonymous)
        try harness.send("GET", "/hello", tenant: "fourth", headers: Self.anonymous)
        #expect(try harness.admin("DELETE", "requests?tenant=third")["cleared"] == 1)
        #expect(try harness.admin("GET", "requests?tenant=fourth")["count"] == 1)
        #expect(harness.emulator.tenants.existingTenant(named: "third") == nil)
    }

    @Test func aBadNameIsStillRefusedAndAFullCapStillRefusesARealCaller() throws {
        let harness = try ControlPlaneHarness()
        #expect(try harness.send("GET", "/hello", tenant: "../x", headers: Self.anonymous).status == 400)
        try harness.admin("PUT", "settings", json: ["max_tenants": 1])
        #expect(try harness.send("GET", "/hello", tenant: "one").status == 200)
        #expect(try harness.send("GET", "/hello", tenant: "two").status == 409)
        #expect(try harness.send("GET", "/hello", tenant: "two", headers: Self.anonymous).status == 200,
                "a stranger is served from the seed view, cap or not")
    }
}
