import Foundation
@testable import RostiHosting
import Testing

/// What a dump is once taken: fenced with a key of its own contents.
@Suite struct EngineSessionTests {
    static func dump(key: String, data: String) -> String {
        "--\n-- PostgreSQL database dump\n--\n\n\\restrict \(key)\n\nCOPY public.t (v) FROM stdin;\n\(data)\n\\.\n\n\\unrestrict \(key)\n"
    }

    @Test func twoProcessesDumpingTheSameDataWriteTheSameBytes() {
        let first = EngineSession.rekeyed(Self.dump(key: "processKeyOne", data: "hello"), processKey: "processKeyOne")
        let second = EngineSession.rekeyed(Self.dump(key: "processKeyTwo", data: "hello"), processKey: "processKeyTwo")
        #expect(first == second)
        #expect(!first.contains("processKey"))
    }

    @Test func theKeyChangesWithTheDataAndIsNotInIt() throws {
        let one = EngineSession.rekeyed(Self.dump(key: "k", data: "hello"), processKey: "k")
        let other = EngineSession.rekeyed(Self.dump(key: "k", data: "hello!"), processKey: "k")
        let key = { (sql: String) in
            String(try #require(sql.split(separator: "\n").first { $0.hasPrefix("\\restrict ") }).dropFirst("\\restrict ".count))
        }
        #expect(try key(one) != key(other))
        #expect(try key(one).count == 64)
        #expect(try key(one).allSatisfy { $0.isHexDigit })
        // Both fences carry the same key, so psql lifts the restriction at the end.
        #expect(one.contains("\\unrestrict \(try key(one))"))
    }

    @Test func aDumpWithoutTheKeyIsKeptAsItIs() {
        let plain = "CREATE TABLE t (v text);\n"
        #expect(EngineSession.rekeyed(plain, processKey: "absent") == plain)
    }
}
