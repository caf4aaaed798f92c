import EmulatorState
import Foundation
import Store
import Testing

@testable import Emulator
import TestSupport

/// The cache of values computed from a database, on its own.
@Suite struct VersionedCacheTests {
    private func database() throws -> Database {
        let db = try Database(path: Database.inMemoryPath)
        try db.write { try $0.execute("CREATE TABLE things (name TEXT)") }
        return db
    }

    private func names(_ db: Database) throws -> String {
        try db.read { try $0.fetchAll("SELECT name FROM things ORDER BY name").map { try $0["name"] as String } }
            .joined(separator: ",")
    }

    @Test func answersFromMemoryUntilTheDataChanges() throws {
        let db = try database()
        let cache = VersionedCache<String>()
        let computed = SharedCounter()
        func lookUp() throws -> String {
            try cache.value(for: "all", in: db) {
                computed.add(1)
                return (try names(db), true)
            }
        }
        #expect(try lookUp() == "")
        #expect(try lookUp() == "")
        #expect(computed.current == 1)
        try db.write { try $0.execute("INSERT INTO things VALUES ('a')") }
        #expect(try lookUp() == "a")
        #expect(computed.current == 2)
        #expect(try lookUp() == "a")
        #expect(computed.current == 2)
    }

    @Test func keepsNothingTheComputationSaysNotToKeep() throws {
        let db = try database()
        let cache = VersionedCache<Int>()
        let computed = SharedCounter()
        for _ in 0..<3 {
            _ = cache.value(for: "clock", in: db) {
                computed.add(1)
                return (Int(computed.current), false)
            }
        }
        #expect(computed.current == 3)
    }

    @Test func aValueComputedBeforeAWriteIsNeverHandedOutAfterIt() throws {
        let db = try database()
        let cache = VersionedCache<String>()
        let before = db.dataVersion()
        try db.write { try $0.execute("INSERT INTO things VALUES ('new')") }
        let after = db.dataVersion()
        cache.remember("fresh", for: "k", at: after)
        // A slow read that began before the write finishes late: it must not replace
        // the newer entries, and is not found at the new version.
        cache.remember("stale", for: "k", at: before)
        #expect(cache.value(for: "k", at: after) == "fresh")
        #expect(cache.value(for: "k", at: before) == nil)
    }

    @Test func startsOverWhenFull() throws {
        let db = try database()
        let cache = VersionedCache<Int>(capacity: 2)
        let version = db.dataVersion()
        cache.remember(1, for: "a", at: version)
        cache.remember(2, for: "b", at: version)
        cache.remember(3, for: "c", at: version)
        #expect(cache.value(for: "a", at: version) == nil)
        #expect(cache.value(for: "c", at: version) == 3)
    }
}
