import HTTP
import Testing

@testable import Emulator
import TestSupport

/// The ring itself: bounded, ordered, resizable.
@Suite struct RequestJournalTests {
    func entry(_ id: Int) -> JournalEntry {
        JournalEntry(
            id: id, time: 0, api: .rosa, tenant: "default", method: "GET", path: "/\(id)", query: nil, headers: [:],
            headersTruncated: false, bodySize: 0, bodyPrefix: nil, outcome: .answered(status: 200), durationMilliseconds: 0, fault: nil)
    }

    @Test func keepsTheNewestUpToItsCapacity() {
        let journal = RequestJournal()
        for id in 1...25 { journal.record(entry(id), capacity: 10) }
        #expect(journal.entries.map(\.id) == Array(16...25))
        #expect(journal.count == 10)
        #expect(journal.evictedCount == 15)
    }

    @Test func aChangedCapacityKeepsTheNewestEntries() {
        let journal = RequestJournal()
        for id in 1...7 { journal.record(entry(id), capacity: 5) }
        journal.record(entry(8), capacity: 3)
        #expect(journal.entries.map(\.id) == [6, 7, 8])
        journal.record(entry(9), capacity: 6)
        #expect(journal.entries.map(\.id) == [6, 7, 8, 9])
        journal.record(entry(10), capacity: 0)
        #expect(journal.entries.isEmpty)
        journal.clear()
        #expect(journal.evictedCount == 0)
    }

    @Test func credentialsAreRedactedToTheirScheme() {
        let (headers, truncated) = JournalHeaders.capture([
            "Authorization": "Token rostidemo0000000000000000000000000000001", "proxy-authorization": "Basic ZGVtbzpkZW1v",
            "X-Other": "kept",
        ])
        #expect(!truncated)
        #expect(headers["Authorization"] == "Token [redacted]")
        #expect(headers["Proxy-Authorization"] == "Basic [redacted]")
        #expect(headers["X-Other"] == "kept")
        #expect(JournalHeaders.redact("bare-secret") == "[redacted]")
    }

    @Test func headersBeyondTheBudgetAreLeftOutAndSaidSo() {
        let big = String(repeating: "x", count: 6000)
        let (headers, truncated) = JournalHeaders.capture(["A": big, "B": big, "C": "small"], budget: 8192)
        #expect(truncated)
        #expect(headers["A"] == big)
        #expect(headers["B"] == nil)
        #expect(headers["C"] == "small")
    }

    @Test func truncationCutsBetweenCharacters() {
        #expect("žluťoučký".truncatedToUTF8(5) == "žlu")
        #expect("žluťoučký".truncatedToUTF8(1) == "")
        #expect("abc".truncatedToUTF8(10) == "abc")
    }
}
