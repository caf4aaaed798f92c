import HTTP
import Testing

@testable import Emulator
import TestSupport

/// Every journal together stays within one byte budget; the largest journal gives up its
/// oldest entries first.
@Suite struct JournalBudgetTests {
    func entry(_ id: Int, tenant: String = "t", pathBytes: Int = 10) -> JournalEntry {
        JournalEntry(
            id: id, time: 0, api: .rosa, tenant: tenant, method: "GET", path: "/" + String(repeating: "p", count: pathBytes),
            query: nil, headers: ["Host": "x"], headersTruncated: false, bodySize: 0, bodyPrefix: nil,
            outcome: .answered(status: 200), durationMilliseconds: 0, fault: nil)
    }

    @Test func aJournalCountsWhatItHoldsAgainstItsBudget() {
        let budget = JournalBudget()
        let journal = RequestJournal(budget: budget)
        for id in 1...10 { journal.record(entry(id, pathBytes: 1000), capacity: 4) }
        let four = (7...10).map { entry($0, pathBytes: 1000).approximateBytes }.reduce(0, +)
        #expect(journal.approximateBytes == four)
        #expect(budget.usedBytes == four)
        #expect(journal.evictOldest(freeing: 1) == entry(7, pathBytes: 1000).approximateBytes)
        #expect(journal.entries.map(\.id) == [8, 9, 10])
        #expect(journal.evictedCount == 7)
        journal.record(entry(11, pathBytes: 1000), capacity: 4)
        journal.record(entry(12, pathBytes: 1000), capacity: 4)
        #expect(journal.entries.map(\.id) == [9, 10, 11, 12], "a ring with slots freed early fills and wraps again")
        journal.resize(to: 2)
        #expect(budget.usedBytes == journal.approximateBytes)
        journal.clear()
        #expect(budget.usedBytes == 0)
    }

    @Test func entriesTakenOutAndAdoptedKeepTheirOrderAndBytes() {
        let budget = JournalBudget()
        let shared = RequestJournal(budget: budget)
        for id in 1...6 { shared.record(entry(id, tenant: id % 2 == 0 ? "even" : "odd"), capacity: 10) }
        let even = shared.removeEntries(ofTenant: "even")
        #expect(even.map(\.id) == [2, 4, 6])
        #expect(shared.entries.map(\.id) == [1, 3, 5])
        let adopted = RequestJournal(budget: budget)
        adopted.adopt(even)
        adopted.record(entry(7, tenant: "even"), capacity: 3)
        #expect(adopted.entries.map(\.id) == [4, 6, 7])
        #expect(budget.usedBytes == shared.approximateBytes + adopted.approximateBytes)
    }

    /// The reproduction, scaled down: many tenants with journals of large entries
    /// held 1.67 GB. With a budget, what all journals hold stays within it, and the
    /// largest journal's oldest entries go first: a small journal keeps all it has.
    @Test func journalsTogetherStayWithinTheBudgetAndTheLargestGivesWayFirst() throws {
        let budget = 400 * 1024
        let harness = try ControlPlaneHarness(journalBudgetBytes: budget)
        let bulky = String(repeating: "h", count: 7000)
        try harness.send("GET", "/hello?small", tenant: "quiet")
        for tenant in ["big1", "big2", "big3"] {
            for index in 0..<20 {
                try harness.send("GET", "/hello?" + String(repeating: "q", count: 4000), tenant: tenant,
                                 headers: ["X-A": bulky, "X-N": "\(index)"])
                #expect(harness.emulator.tenants.journalBudget.usedBytes <= budget)
            }
        }
        let tenants = harness.emulator.tenants
        #expect(tenants.journalBudget.usedBytes <= budget)
        #expect(tenants.existingTenant(named: "quiet")?.journal.count == 1, "the smallest journal lost nothing")
        let kept = ["big1", "big2", "big3"].map { tenants.existingTenant(named: $0)?.journal.count ?? 0 }
        #expect(kept.reduce(0, +) < 60, "entries went")
        #expect(kept.allSatisfy { $0 > 0 }, "from the largest each time, so each big one keeps some: \(kept)")
        let evicted = try harness.admin("GET", "requests?tenant=big1")["evicted"]?.numberValue ?? 0
        #expect(evicted > 0)
        // The newest entries are the ones kept.
        let newest = tenants.existingTenant(named: "big3")?.journal.entries.last?.headers["X-N"]
        #expect(newest == "19")
    }
}
