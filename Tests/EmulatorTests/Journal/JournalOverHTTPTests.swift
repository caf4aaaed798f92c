import Foundation
import HTTP
import Testing

@testable import Emulator
import TestSupport

/// The journal as `GET/DELETE /__admin/requests` shows it.
@Suite struct JournalOverHTTPTests {
    @Test func anEntryHoldsWhatArrivedAndWhatWasAnswered() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("PUT", "clock", json: ["mode": "frozen", "now": "2031-02-03T04:05:06Z"])
        try harness.send(
            "POST", "/companies?source=test", api: .rosti,
            headers: ["Authorization": "Token rostidemo0000000000000000000000000000001", "X-Trace": "t-1"], body: "Acme s.r.o.")
        let journal = try harness.admin("GET", "requests")
        #expect(journal["count"] == 1)
        let entry = try #require(journal["requests"]?.arrayValue?.first?.objectValue)
        #expect(entry["api"] == "rosti")
        #expect(entry["tenant"] == "default")
        #expect(entry["method"] == "POST")
        #expect(entry["path"] == "/companies")
        #expect(entry["query"] == "source=test")
        #expect(entry["status"] == 201)
        #expect(entry["outcome"] == "answered")
        #expect(entry["time"] == "2031-02-03T04:05:06.000Z")
        #expect(entry["body_size"] == 11)
        #expect(entry["body_prefix"] == "Acme s.r.o.")
        #expect(entry["body_prefix_truncated"] == false)
        #expect(entry["fault"] == .null)
        let headers = try #require(entry["headers"]?.objectValue)
        #expect(headers["Authorization"] == "Token [redacted]")
        #expect(headers["X-Trace"] == "t-1")
        #expect(!journal.text.contains("rostidemo0000000000000000000000000000001"))
        #expect((entry["duration_ms"]?.numberValue ?? -1) >= 0)
    }

    @Test func largeBodiesStreamAndOnlyTheirSizeIsKept() throws {
        let harness = try ControlPlaneHarness()
        let size = ControlPlaneLimits.journalBufferedBodyMaximumBytes + 1
        let answer = try harness.send("POST", "/upload", body: String(repeating: "a", count: size))
        #expect(answer["received"] == .integer(size))
        let entry = try #require(try harness.admin("GET", "requests")["requests"]?.arrayValue?.first?.objectValue)
        #expect(entry["body_size"] == .integer(size))
        #expect(entry["body_prefix"] == nil)

        let medium = String(repeating: "b", count: 5000)
        try harness.send("POST", "/upload", body: medium)
        let kept = try #require(try harness.admin("GET", "requests?limit=1")["requests"]?.arrayValue?.first?.objectValue)
        #expect(kept["body_prefix"]?.stringValue == String(repeating: "b", count: ControlPlaneLimits.journalBodyPrefixBytes))
        #expect(kept["body_prefix_truncated"] == true)
    }

    @Test func aChunkedBodyIsJournaledWithTheBytesTheHandlerRead() throws {
        let harness = try ControlPlaneHarness()
        let request = "POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        let answer = try ProbeClient.exchangeRaw(port: harness.rosa.port, bytes: Array(request.utf8))
        #expect(answer["received"] == 11)
        let entry = try #require(try harness.admin("GET", "requests")["requests"]?.arrayValue?.first?.objectValue)
        #expect(entry["body_size"] == 11)
        #expect(entry["body_prefix"] == nil)
    }

    @Test func binaryBodiesAreKeptAsBase64() throws {
        let harness = try ControlPlaneHarness()
        let head = "POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 4\r\n\r\n"
        _ = try ProbeClient.exchangeRaw(port: harness.rosa.port, bytes: Array(head.utf8) + [0xFF, 0x00, 0xFE, 0x01])
        let entry = try #require(try harness.admin("GET", "requests")["requests"]?.arrayValue?.first?.objectValue)
        #expect(entry["body_prefix_base64"] == .string(Data([0xFF, 0x00, 0xFE, 0x01]).base64EncodedString()))
    }

    @Test func faultsAreRecordedWithTheirOutcome() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", json: ["path": "^/companies", "status": 503, "times": 1])
        try harness.send("GET", "/companies")
        try harness.send("GET", "/hello", headers: [FaultHeaders.fault: "drop"])
        try harness.send("GET", "/hello", headers: [FaultHeaders.fault: "garbage"])
        let entries = try #require(try harness.admin("GET", "requests")["requests"]?.arrayValue?.compactMap(\.objectValue))
        #expect(entries.map { $0["outcome"] } == ["garbage", "dropped", "answered"])
        #expect(entries.map { $0["status"] } == [.null, .null, 503])
        #expect(entries[2]["fault"] == "rule 1: status 503")
        #expect(entries[1]["fault"] == "header X-Rostra-Fault: drop")
    }

    @Test func filtersNarrowTheJournal() throws {
        let harness = try ControlPlaneHarness()
        try harness.send("GET", "/hello", api: .rosti)
        try harness.send("GET", "/hello", api: .rosa)
        try harness.send("POST", "/companies", api: .rosa, body: "x")
        try harness.send("GET", "/missing", api: .rosa)
        try harness.send("GET", "/hello", api: .rosa, headers: [FaultHeaders.fault: "drop"])
        func paths(_ query: String) throws -> [String] {
            try harness.admin("GET", "requests" + query)["requests"]?.arrayValue?.compactMap { $0.objectValue?["path"]?.stringValue } ?? []
        }
        #expect(try paths("").count == 5)
        #expect(try paths("?api=rosti") == ["/hello"])
        #expect(try paths("?method=post") == ["/companies"])
        #expect(try paths("?status=404") == ["/missing"])
        #expect(try paths("?status=2xx").count == 3)
        #expect(try paths("?status=dropped") == ["/hello"])
        #expect(try paths("?path=%5E/hel") == ["/hello", "/hello", "/hello"])
        #expect(try paths("?api=rosa&status=2xx&limit=1") == ["/companies"])
        for bad in ["?api=ftp", "?status=6xx", "?limit=0", "?path=(", "?tenant=..", "?colour=red"] {
            let refused = try harness.admin("GET", "requests" + bad)
            #expect(refused.status == 400, "\(bad)")
            #expect(refused["field"] != nil)
        }
    }

    @Test func adminCallsAreNotJournaledAndDeleteClears() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("GET", "settings")
        try harness.send("GET", "/hello")
        #expect(try harness.admin("GET", "requests")["count"] == 1)
        let cleared = try harness.admin("DELETE", "requests")
        #expect(cleared["cleared"] == 1)
        #expect(try harness.admin("GET", "requests")["count"] == 0)
    }

    @Test func theJournalStaysWithinJournalSize() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("PUT", "settings", json: ["journal_size": 5])
        for index in 0..<12 { try harness.send("GET", "/hello?n=\(index)") }
        let journal = try harness.admin("GET", "requests")
        #expect(journal["count"] == 5)
        #expect(journal["kept"] == 5)
        #expect(journal["evicted"] == 7)
        #expect(journal["requests"]?.arrayValue?.compactMap { $0.objectValue?["query"]?.stringValue } == ["n=11", "n=10", "n=9", "n=8", "n=7"])

        try harness.admin("PUT", "settings", json: ["journal_size": 0])
        try harness.send("GET", "/hello")
        #expect(harness.emulator.defaultTenant.journal.count == 0)
    }

    @Test func memoryStaysBoundedWhateverClientsSend() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("PUT", "settings", json: ["journal_size": 3])
        let bulky = String(repeating: "h", count: 7000)
        for _ in 0..<10 {
            try harness.send("GET", "/hello?" + String(repeating: "q", count: 6000), headers: ["X-A": bulky, "X-B": bulky, "X-C": bulky])
        }
        let entries = harness.emulator.defaultTenant.journal.entries
        #expect(entries.count == 3)
        for entry in entries {
            let headerBytes = entry.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
            #expect(headerBytes <= ControlPlaneLimits.journalHeaderBytes)
            #expect(entry.headersTruncated)
            #expect((entry.query?.utf8.count ?? 0) <= ControlPlaneLimits.journalTargetBytes)
        }
    }

    @Test func journalsArePerTenantAndStarReadsThemAll() throws {
        let harness = try ControlPlaneHarness()
        try harness.send("GET", "/hello", tenant: "a")
        try harness.send("GET", "/hello", tenant: "b")
        try harness.send("GET", "/companies", tenant: "b")
        #expect(try harness.admin("GET", "requests", tenant: "a")["count"] == 1)
        #expect(try harness.admin("GET", "requests?tenant=b")["count"] == 2)
        #expect(try harness.admin("GET", "requests")["count"] == 0)
        let all = try harness.admin("GET", "requests?tenant=*")
        #expect(all["count"] == 3)
        #expect(all["requests"]?.arrayValue?.compactMap { $0.objectValue?["tenant"]?.stringValue } == ["b", "b", "a"])
        #expect(try harness.admin("GET", "requests?tenant=nobody")["count"] == 0)
        #expect(harness.emulator.tenants.existingTenant(named: "nobody") == nil, "reading never makes a tenant")
        #expect(try harness.admin("DELETE", "requests?tenant=*")["cleared"] == 3)
    }

    /// Without `limit` an answer holds the newest 100 entries, never more than 1000, and
    /// `next` walks the rest a page at a time: no entry twice, none missed.
    @Test func theJournalIsReadAPageAtATime() throws {
        let harness = try ControlPlaneHarness()
        for index in 0..<150 { try harness.send("GET", "/hello?n=\(index)") }
        let first = try harness.admin("GET", "requests")
        #expect(first["count"] == .integer(ControlPlaneLimits.journalPageDefault))
        #expect(first["limit"] == 100)
        #expect(first["kept"] == 150)
        #expect(first["has_more"] == true)
        let firstIDs = first["requests"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.numberValue.map { Int($0) } } ?? []
        #expect(firstIDs == firstIDs.sorted(by: >), "newest first")
        #expect(first["next"] == .string("/__admin/requests?limit=100&before=\(firstIDs.last ?? -1)"))

        let next = try #require(first["next"]?.stringValue)
        let second = try harness.admin("GET", String(next.dropFirst(AdminRoutes.prefix.count)))
        #expect(second["count"] == 50)
        #expect(second["has_more"] == false)
        #expect(second["next"] == .null)
        let secondIDs = second["requests"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.numberValue.map { Int($0) } } ?? []
        #expect(Set(firstIDs + secondIDs).count == 150)
        #expect(secondIDs.first ?? .max < firstIDs.last ?? 0)
        #expect(second["requests"]?.arrayValue?.last?.objectValue?["query"] == "n=0")

        #expect(try harness.admin("GET", "requests?limit=5000")["limit"] == .integer(ControlPlaneLimits.journalPageMaximum),
                "a larger limit gives the largest page")
        #expect(try harness.admin("GET", "requests?limit=5000")["count"] == 150)
    }

    /// `after` gives what arrived since an entry, the oldest of it first to go on the page,
    /// and its `next` goes on forward; filters stay in `next`.
    @Test func afterReadsForwardAndNextKeepsTheFilters() throws {
        let harness = try ControlPlaneHarness()
        for index in 0..<20 { try harness.send("GET", "/hello?n=\(index)", api: index % 2 == 0 ? .rosa : .rosti) }
        let all = try harness.admin("GET", "requests?limit=20")["requests"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.numberValue.map { Int($0) } } ?? []
        let fifth = all.reversed()[4]
        let page = try harness.admin("GET", "requests?after=\(fifth)&limit=10")
        let queries = page["requests"]?.arrayValue?.compactMap { $0.objectValue?["query"]?.stringValue }
        #expect(queries == (5..<15).reversed().map { "n=\($0)" }, "the ten right after the fifth, newest first")
        #expect(page["has_more"] == true)
        let newest = try #require(page["requests"]?.arrayValue?.first?.objectValue?["id"]?.numberValue.map { Int($0) })
        #expect(page["next"] == .string("/__admin/requests?limit=10&after=\(newest)"))

        let filtered = try harness.admin("GET", "requests?api=rosa&limit=3")
        let next = try #require(filtered["next"]?.stringValue)
        #expect(next.hasPrefix("/__admin/requests?api=rosa&limit=3&before="))
        let rest = try harness.admin("GET", String(next.dropFirst(AdminRoutes.prefix.count)))
        #expect(rest["count"] == 3)
        #expect(rest["requests"]?.arrayValue?.allSatisfy { $0.objectValue?["api"] == "rosa" } == true)

        for bad in ["?before=5&after=2", "?before=x", "?after=-1", "?limit=100001"] {
            let refused = try harness.admin("GET", "requests" + bad)
            #expect(refused.status == 400, "\(bad)")
            #expect(refused["field"] != nil)
        }
    }
}
