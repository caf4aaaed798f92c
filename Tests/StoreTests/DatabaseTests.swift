import Foundation
import Testing

@testable import Store
import TestSupport

private let peopleMigrations = [
    Migration(
        version: 1, name: "people",
        sql: """
            CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE people (
                id INTEGER PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                age INTEGER CHECK (age >= 0),
                team_id INTEGER REFERENCES teams(id)
            );
            """),
    Migration(
        version: 2, name: "values",
        sql: "CREATE TABLE samples (id INTEGER PRIMARY KEY, value ANY);"),
]

private func openPeople(_ path: String, migrations: [Migration] = peopleMigrations) throws -> Database {
    try Database(path: path, migrator: Migrator(migrations))
}

@Suite struct MigrationTests {
    @Test func migratesFromEmptyAndOnlyAppliesNewSteps() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let path = directory.path("m.sqlite")
        do {
            let db = try openPeople(path, migrations: Array(peopleMigrations.prefix(1)))
            let versions = try db.read { try $0.fetchAll("SELECT version FROM \(Migrator.versionTable)") }
            #expect(try versions.map { try $0[0] as Int } == [1])
        }
        let db = try openPeople(path)
        let versions = try db.read {
            try $0.fetchAll("SELECT version, name FROM \(Migrator.versionTable) ORDER BY version")
        }
        #expect(try versions.map { try $0["version"] as Int } == [1, 2])
        #expect(try versions.map { try $0["name"] as String } == ["people", "values"])
        try db.write { try $0.execute("INSERT INTO samples (value) VALUES (1)") }
    }

    @Test func failingMigrationKeepsEarlierStepsAndNoneOfItsOwn() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let broken = peopleMigrations.prefix(1) + [
            Migration(version: 2, name: "broken", sql: "CREATE TABLE half (id INTEGER); CREATE TABLE oops (;")
        ]
        #expect(throws: DatabaseError.self) { try openPeople(directory.path("b.sqlite"), migrations: Array(broken)) }
        let db = try openPeople(directory.path("b.sqlite"), migrations: Array(peopleMigrations.prefix(1)))
        let tables = try db.read {
            try $0.fetchAll("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'half'")
        }
        #expect(tables.isEmpty)
    }

    @Test func refusesNewerSchemaAndLeavesFileUntouched() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let path = directory.path("newer.sqlite")
        do {
            let db = try openPeople(path)
            try db.write { try $0.execute("INSERT INTO teams (name) VALUES ('a')") }
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: StoreOpeningError.schemaNewerThanCode(path: path, found: 2, known: 1)) {
            try openPeople(path, migrations: Array(peopleMigrations.prefix(1)))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func refusesFileThatIsNotSQLiteAndLeavesItUntouched() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let path = directory.path("notes.sqlite")
        let text = Data("these are my notes, not a database\n".utf8)
        try text.write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreOpeningError.notASQLiteDatabase(path: path)) { try openPeople(path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(leftovers == ["notes.sqlite"])
    }

    @Test func errorMessagesSayWhatToDo() {
        let newer = StoreOpeningError.schemaNewerThanCode(path: "/x.sqlite", found: 3, known: 1)
        #expect(newer.description.contains("/x.sqlite has schema version 3"))
        #expect(newer.description.contains("left untouched"))
        #expect(StoreOpeningError.notASQLiteDatabase(path: "/y").description.contains("/y is not a SQLite database"))
    }
}

@Suite struct ConnectionTests {
    @Test func configuresWALNormalSynchronousAndForeignKeys() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let db = try openPeople(directory.path("p.sqlite"))
        try db.writeWithoutTransaction { conn throws in
            #expect(try conn.fetchValue(String.self, "PRAGMA journal_mode") == "wal")
            #expect(try conn.fetchValue(Int.self, "PRAGMA synchronous") == 1)  // NORMAL
            #expect(try conn.fetchValue(Int.self, "PRAGMA foreign_keys") == 1)
        }
    }

    @Test(arguments: [
        DatabaseValue.null, .integer(.min), .integer(.max), .integer(0), .real(-2.5), .real(1e300),
        .text(""), .text("Příliš žluťoučký kůň 🐎"), .text("nul\0inside"), .blob([]), .blob([0, 255, 1, 0]),
    ])
    func bindsAndReadsEveryStorageClass(value: DatabaseValue) throws {
        let db = try openPeople(":memory:")
        let read = try db.write { conn in
            try conn.execute("INSERT INTO samples (value) VALUES (?)", [value])
            return try conn.fetchOne("SELECT value FROM samples WHERE id = ?", [conn.lastInsertedRowID])
        }
        #expect(read?.value(named: "value") == value)
    }

    @Test func convertsSwiftTypesBothWays() throws {
        let db = try openPeople(":memory:")
        let bytes: [UInt8] = [1, 2, 3]
        let row = try db.write { conn -> Row? in
            let values: StatementArguments = [Int64(-7), 42, 0.25, "text", true, bytes, Data([9, 8]), nil]
            for value in values {
                try conn.execute("INSERT INTO samples (value) VALUES (?)", [value])
            }
            return try conn.fetchOne("SELECT group_concat(id) AS ids FROM samples")
        }
        #expect(try row?["ids"] as String? == "1,2,3,4,5,6,7,8")
        try db.read { conn throws in
            func sample<Value: DatabaseValueConvertible>(_ id: Int, as type: Value.Type) throws -> Value {
                try #require(try conn.fetchValue(Value.self, "SELECT value FROM samples WHERE id = ?", [id]))
            }
            #expect(try sample(1, as: Int64.self) == -7)
            #expect(try sample(2, as: Int.self) == 42)
            #expect(try sample(3, as: Double.self) == 0.25)
            #expect(try sample(4, as: String.self) == "text")
            #expect(try sample(5, as: Bool.self) == true)
            #expect(try sample(6, as: [UInt8].self) == bytes)
            #expect(try sample(7, as: Data.self) == Data([9, 8]))
            #expect(try sample(8, as: String?.self) == nil)
            #expect(try sample(2, as: Double.self) == 42)
        }
    }

    @Test func readingAValueAsTheWrongTypeThrows() throws {
        let db = try openPeople(":memory:")
        try db.write { try $0.execute("INSERT INTO people (email, age) VALUES ('a@b', NULL)") }
        try db.read { conn in
            let row = try #require(try conn.fetchOne("SELECT email, age FROM people"))
            #expect(throws: RowDecodingError.self) { try row["age"] as Int }
            #expect(throws: RowDecodingError.self) { try row["email"] as Int }
            #expect(throws: RowDecodingError.self) { try row["missing"] as String }
            #expect(try row["age"] as Int? == nil)
            #expect(try row[0] as String == "a@b")
        }
    }

    @Test func wrongArgumentCountIsAnError() throws {
        let db = try openPeople(":memory:")
        #expect(throws: DatabaseError.self) {
            try db.write { try $0.execute("INSERT INTO teams (id, name) VALUES (?, ?)", [1]) }
        }
    }

    @Test func mapsConstraintFailuresToTypedErrors() throws {
        let db = try openPeople(":memory:")
        try db.write { conn in
            try conn.execute("INSERT INTO teams (id, name) VALUES (1, 'core')")
            try conn.execute("INSERT INTO people (email, team_id) VALUES ('a@b', 1)")
        }
        func violation(_ sql: String) -> ConstraintViolation? {
            do {
                try db.write { try $0.execute(sql) }
                return nil
            } catch let violation as ConstraintViolation {
                return violation
            } catch {
                Issue.record("expected a constraint violation, got \(error)")
                return nil
            }
        }
        let unique = violation("INSERT INTO people (email) VALUES ('a@b')")
        #expect(unique?.kind == .unique)
        #expect(unique?.columns == ["people.email"])
        #expect(unique?.underlying.code == .constraintUnique)
        #expect(unique?.underlying.sql == "INSERT INTO people (email) VALUES ('a@b')")
        #expect(violation("INSERT INTO teams (id, name) VALUES (1, 'other')")?.kind == .unique)
        #expect(violation("INSERT INTO people (email, team_id) VALUES ('c@d', 99)")?.kind == .foreignKey)
        #expect(violation("INSERT INTO people (email, age) VALUES ('c@d', -1)")?.kind == .check)
        let notNull = violation("INSERT INTO people (email) VALUES (NULL)")
        #expect(notNull?.kind == .notNull)
        #expect(notNull?.columns == ["people.email"])
    }

    @Test func writeRollsBackEverythingWhenTheBodyThrows() throws {
        struct Abort: Error {}
        let db = try openPeople(":memory:")
        #expect(throws: Abort.self) {
            try db.write { conn in
                try conn.execute("INSERT INTO teams (name) VALUES ('kept?')")
                throw Abort()
            }
        }
        #expect(throws: ConstraintViolation.self) {
            try db.write { conn in
                try conn.execute("INSERT INTO teams (name) VALUES ('first')")
                try conn.execute("INSERT INTO teams (name) VALUES ('first')")
            }
        }
        let count = try db.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM teams") }
        #expect(count == 0)
        try db.writeWithoutTransaction { #expect(!$0.isInsideTransaction) }
    }

    @Test func preparesEachStatementOnceAndReusesIt() throws {
        let db = try openPeople(":memory:")
        let (before, after, other) = try db.write { conn in
            let before = conn.cachedStatementCount
            for index in 0..<50 {
                try conn.execute("INSERT INTO teams (name) VALUES (?)", ["team \(index)"])
            }
            let after = conn.cachedStatementCount
            _ = try conn.fetchAll("SELECT * FROM teams")
            return (before, after, conn.cachedStatementCount)
        }
        #expect(after == before + 1)
        #expect(other == after + 1)
        #expect(try db.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM teams") } == 50)
    }

    @Test func keepsDataAcrossCloseAndReopen() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let path = directory.path("persist.sqlite")
        do {
            let db = try openPeople(path)
            try db.write { try $0.execute("INSERT INTO teams (id, name) VALUES (7, 'survivors')") }
        }
        let db = try openPeople(path)
        #expect(try db.read { try $0.fetchValue(String.self, "SELECT name FROM teams WHERE id = 7") } == "survivors")
    }

    @Test func readersSeeCommittedDataOnlyAndDoNotWaitForTheWriter() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let db = try openPeople(directory.path("wal.sqlite"))
        try db.write { conn in
            try conn.execute("INSERT INTO teams (name) VALUES ('pending')")
            let seenByReader = try db.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM teams") }
            #expect(seenByReader == 0)
        }
        #expect(try db.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM teams") } == 1)
    }

    @Test func reenteringTheWriterOnOneThreadThrowsInsteadOfDeadlocking() throws {
        let db = try openPeople(":memory:")
        try db.write { _ in
            #expect(throws: StoreOpeningError.reentrantAccess) { try db.write { _ in } }
            #expect(throws: StoreOpeningError.reentrantAccess) { try db.read { _ in } }
        }
    }

    @Test func serialisesWritesFromManyThreads() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let db = try openPeople(directory.path("threads.sqlite"))
        try db.write { try $0.execute("INSERT INTO samples (id, value) VALUES (1, 0)") }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 {
                do {
                    try db.write { conn in
                        let value = try conn.fetchValue(Int.self, "SELECT value FROM samples WHERE id = 1") ?? 0
                        try conn.execute("UPDATE samples SET value = ? WHERE id = 1", [value + 1])
                    }
                    _ = try db.read { try $0.fetchValue(Int.self, "SELECT value FROM samples WHERE id = 1") }
                } catch {
                    failures.record(error)
                }
            }
        }
        #expect(failures.errors.isEmpty)
        #expect(try db.read { try $0.fetchValue(Int.self, "SELECT value FROM samples WHERE id = 1") } == 400)
    }

    @Test func replacesWholeContentsFromAnotherDatabase() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let template = try openPeople(":memory:")
        try template.write { try $0.execute("INSERT INTO teams (id, name) VALUES (1, 'template')") }
        let live = try openPeople(directory.path("live.sqlite"))
        try live.write { try $0.execute("INSERT INTO teams (id, name) VALUES (2, 'live')") }
        _ = try live.read { try $0.fetchAll("SELECT * FROM teams") }  // warm a reader
        try template.read { source in
            try live.writeWithoutTransaction { try $0.replaceContents(with: source) }
        }
        let names = try live.read { try $0.fetchAll("SELECT name FROM teams").map { try $0["name"] as String } }
        #expect(names == ["template"])
        try live.writeWithoutTransaction { conn throws in
            #expect(try conn.fetchValue(String.self, "PRAGMA journal_mode") == "wal")
        }
    }
}

@Suite struct DataVersionTests {
    @Test func movesOnWithEveryWriteAndNotWithReads() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let db = try openPeople(directory.path("versions.sqlite"))
        let start = db.dataVersion()
        _ = try db.read { try $0.fetchAll("SELECT * FROM teams") }
        // Only this process's own count is compared: the WAL file's status, the other
        // half, may change under a loaded machine for reasons of the file system (seen
        // once in CI), which only costs a cache a recomputation.
        #expect(db.dataVersion().writes == start.writes)
        try db.write { try $0.execute("INSERT INTO teams (name) VALUES ('a')") }
        let afterWrite = db.dataVersion()
        #expect(afterWrite != start)
        #expect(start.precedes(afterWrite))
        try db.writeWithoutTransaction { try $0.execute("PRAGMA user_version = 7") }
        #expect(db.dataVersion() != afterWrite)
    }

    @Test func aWriteThatFailsStillCountsAsAChange() throws {
        // Conservative: a rolled-back write changed nothing, but a cache that drops its
        // entries for nothing only costs one recomputation.
        let db = try openPeople(":memory:")
        let start = db.dataVersion()
        #expect(throws: (any Error).self) {
            try db.write { try $0.execute("INSERT INTO people (email, age) VALUES ('x', -1)") }
        }
        #expect(db.dataVersion() != start)
    }

    @Test func seesCommitsOfAnotherConnectionToTheSameFile() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let path = directory.path("shared.sqlite")
        let served = try openPeople(path)
        try served.write { try $0.execute("INSERT INTO teams (name) VALUES ('first')") }
        let before = served.dataVersion()
        // Another process would open its own connections; a second Database is the same.
        let other = try openPeople(path)
        try other.write { try $0.execute("INSERT INTO teams (name) VALUES ('second')") }
        // The WAL file is looked at once per check interval, not on every call.
        Thread.sleep(forTimeInterval: Double(StoreLimits.externalChangeCheckInterval) / 1e9 * 2)
        #expect(served.dataVersion() != before)
        #expect(served.dataVersion() == served.dataVersion())
    }
}

@Suite struct GroupCommitTests {
    /// Writes that wait while the writer is busy go into one commit together, and each
    /// caller gets its own closure's result.
    @Test func writesThatWaitTogetherShareOneCommitAndKeepTheirOwnResults() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let db = try openPeople(directory.path("group.sqlite"))
        let writers = 8
        let ids = Failures()  // reused as a thread-safe bag
        let before = db.groupCommit.batchCount
        let group = DispatchGroup()
        // Hold the writer (as a reset would) until every writer has queued behind it.
        let holding = DispatchSemaphore(value: 0)
        DispatchQueue.global().async(group: group) {
            try? db.writeWithoutTransaction { _ in
                holding.signal()
                _ = eventually(timeout: .seconds(30)) { db.groupCommit.waitingCount == writers }
            }
        }
        holding.wait()
        for index in 0..<writers {
            DispatchQueue.global().async(group: group) {
                do {
                    let id = try db.write { conn -> Int64 in
                        try conn.execute("INSERT INTO teams (name) VALUES (?)", ["team \(index)"])
                        return conn.lastInsertedRowID
                    }
                    let name = try db.read { try $0.fetchValue(String.self, "SELECT name FROM teams WHERE id = ?", [id]) }
                    if name != "team \(index)" { ids.record(Mismatch(index: index, name: name)) }
                } catch {
                    ids.record(error)
                }
            }
        }
        group.wait()
        #expect(ids.errors.isEmpty)
        #expect(try db.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM teams") } == writers)
        // The first queued writer leads and takes everyone queued once the writer is free.
        #expect(db.groupCommit.batchCount - before == 1)
    }

    /// A write that throws in a shared commit undoes only itself.
    @Test func aFailingWriteRollsBackOnlyItself() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let db = try openPeople(directory.path("failing.sqlite"))
        let outcomes = Failures()
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            for round in 0..<25 {
                do {
                    try db.write { conn in
                        try conn.execute("INSERT INTO people (email, age) VALUES (?, ?)", ["p\(index)-\(round)@x", 30])
                        // Every odd writer breaks the age check after its own first insert.
                        if index % 2 == 1 {
                            try conn.execute("INSERT INTO people (email, age) VALUES (?, ?)", ["bad\(index)-\(round)@x", -1])
                        }
                    }
                    if index % 2 == 1 { outcomes.record(Mismatch(index: index, name: "a bad write succeeded")) }
                } catch let violation as ConstraintViolation where violation.kind == .check {
                    if index % 2 == 0 { outcomes.record(violation) }
                } catch {
                    outcomes.record(error)
                }
            }
        }
        #expect(outcomes.errors.isEmpty, "\(outcomes.errors)")
        let emails = try db.read { try $0.fetchAll("SELECT email FROM people").map { try $0["email"] as String } }
        #expect(emails.count == 8 * 25)
        #expect(emails.allSatisfy { email in
            guard let index = Int(email.dropFirst().prefix { $0 != "-" }) else { return false }
            return index % 2 == 0
        })
    }
}

private struct Mismatch: Error {
    let index: Int
    let name: String?
}

/// Errors collected from concurrent workers. `@unchecked Sendable`: `errors` is only
/// touched under `lock`.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [any Error] = []
    func record(_ error: any Error) { lock.withLock { collected.append(error) } }
    var errors: [any Error] { lock.withLock { collected } }
}

/// `Database.close()` at shutdown and the checks at opening (issue 20).
@Suite struct ClosingAndCheckingTests {
    @Test func closeLeavesTheFileCompleteOnItsOwnAndRefusesLaterUse() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let path = directory.path("c.sqlite")
        let db = try openPeople(path)
        for index in 0..<200 {
            try db.write { try $0.execute("INSERT INTO teams (name) VALUES (?)", ["team \(index)"]) }
        }
        _ = try db.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM teams") }  // a reader opened too
        try db.close()
        try db.close()  // a second close does nothing more
        #expect(throws: StoreOpeningError.closed) { try db.read { _ in } }
        #expect(throws: StoreOpeningError.closed) { try db.write { _ in } }
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0)
        let copy = directory.path("copy.sqlite")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        #expect(try openPeople(copy).read { try $0.fetchValue(Int.self, "SELECT count(*) FROM teams") } == 200)
    }

    @Test func aDatabaseOfAnotherProgramIsRefusedUntouched() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let path = directory.path("theirs.sqlite")
        let theirs = try Database(path: path)
        try theirs.write { try $0.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)") }
        try theirs.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: StoreOpeningError.foreignSchema(path: path)) { try openPeople(path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func theVersionAtOpeningTellsANewDatabaseFromAnExistingOne() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let path = directory.path("v.sqlite")
        #expect(try openPeople(path).versionAtOpening == 0)
        #expect(try openPeople(path).versionAtOpening == 2)
    }

    @Test func aSoundFileHasNoStructuralProblemAndADamagedOneHas() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let path = directory.path("d.sqlite")
        let db = try openPeople(path)
        for index in 0..<500 {
            try db.write { try $0.execute("INSERT INTO people (email, age) VALUES (?, ?)", ["p\(index)@x.test", index]) }
        }
        #expect(try db.structuralProblems() == [])
        let (root, pageSize) = try db.read { conn in
            (try conn.fetchValue(Int.self, "SELECT rootpage FROM sqlite_master WHERE name = 'people'") ?? 0,
             try conn.fetchValue(Int.self, "PRAGMA page_size") ?? 0)
        }
        try db.close()
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: pageSize))
        try handle.close()
        #expect(try !openPeople(path).structuralProblems().isEmpty)
    }
}
