import EmulatedAPIs
import EmulatorState
import Foundation
import Store
import Testing

@testable import Emulator
import TestSupport

@Suite struct StateStoreTests {
    static let seed = Result { try Seed.load(from: shippedSeedDirectory, schema: EmulatedAPIs.schema) }

    @Test func createsAndSeedsAFileOnFirstOpenAndReusesItAfter() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let path = directory.path(".rostra/rostra.sqlite")
        let first = try StateStore(location: .file(path), seed: Self.seed.get())
        #expect(first.wasSeeded)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: path + "-blobs"))
        try first.database.write { try $0.execute("UPDATE rosti_accounts SET name = 'Kept' WHERE id = 1") }
        let seeded = try StateDump(first)

        let second = try StateStore(location: .file(path), seed: Self.seed.get())
        #expect(!second.wasSeeded)
        #expect(try StateDump(second) == seeded)

        let reseeded = try StateStore(location: .file(path), seed: Self.seed.get(), reseed: true)
        #expect(reseeded.wasSeeded)
        #expect(try reseeded.database.read { try $0.fetchValue(String.self, "SELECT name FROM rosti_accounts WHERE id = 1") } == "Dana Demo")
    }

    @Test func theDefaultLocationIsUnderDotRostra() {
        #expect(StateStore.Location.default == .file(".rostra/rostra.sqlite"))
        #expect(StateStore.Location(argument: ":memory:") == .memory)
        #expect(StateStore.Location(argument: "x.sqlite") == .file("x.sqlite"))
    }

    @Test func refusesAFileThatIsNotSQLiteEvenWithReseed() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let path = directory.path("notes.txt")
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreOpeningError.notASQLiteDatabase(path: path)) {
            try StateStore(location: .file(path), seed: Self.seed.get(), reseed: true)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("not a database".utf8))
    }

    @Test func twoStoresInOneProcessDoNotInterfere() throws {
        let one = try StateStore(location: .memory, seed: Self.seed.get())
        let two = try StateStore(location: .memory, seed: Self.seed.get())
        try one.database.write { try $0.execute("DELETE FROM rosti_jobs") }
        try one.blobs.write(Array("only in one".utf8))
        #expect(try two.database.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM rosti_jobs") } == 1)
        #expect(try two.blobs.storedHashes() == Self.seed.get().fileHashes)
        #expect(one.blobs.directory != two.blobs.directory)
    }

    @Test func resetRestoresEveryTableAndFile() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let store = try StateStore(location: .file(directory.path("reset.sqlite")), seed: Self.seed.get())
        let seeded = try StateDump(store)
        #expect(seeded.rowCount > 30)
        try modifyEverything(store)
        let modified = try StateDump(store)
        for table in EmulatedAPIs.schema.tables {
            #expect(modified.tables[table] != seeded.tables[table], "\(table) was not modified")
        }
        #expect(modified.files != seeded.files)
        try store.reset()
        #expect(try StateDump(store) == seeded)
        // The schema survives the page copy: writes and constraints still work.
        #expect(throws: ConstraintViolation.self) {
            try store.database.write { try $0.execute("INSERT INTO rosa_users (uname, email, password, token, created) VALUES ('demo', 'x@y', 'p', 't', 0)") }
        }
    }

    @Test func exportImportRoundTripsEveryTableAndFile() throws {
        let source = try StateStore(location: .memory, seed: Self.seed.get())
        try modifyEverything(source)
        let expected = try StateDump(source)
        let document = try source.exportState()

        let directory = try TemporaryDirectory()

        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let target = try StateStore(location: .file(directory.path("target.sqlite")), seed: Self.seed.get())
        try target.importState(document)
        #expect(try StateDump(target) == expected)

        // Through a file too, and the counters carried over: the next app id is not reused.
        let file = directory.url.appendingPathComponent("state.json")
        try source.exportState(to: file)
        let fresh = try StateStore(location: .memory, seed: Self.seed.get())
        try fresh.importState(from: file)
        #expect(try StateDump(fresh) == expected)
        let nextApp = try fresh.database.write { conn -> Int64 in
            try conn.execute("INSERT INTO rosti_apps (company_id, name, created, image, plan_id, smtp_username, smtp_token) VALUES (1, 'n', 0, 'i', 3, 's', 't')")
            return conn.lastInsertedRowID
        }
        let highestEver = try #require(expected.sequences.first { $0.first == .text("rosti_apps") }?.last)
        #expect(DatabaseValue.integer(nextApp - 1) == highestEver)
    }

    @Test func theExportIsOneReadableJSONDocument() throws {
        let store = try StateStore(location: .memory, seed: Self.seed.get())
        let json = try #require(try JSONSerialization.jsonObject(with: store.exportState()) as? [String: Any])
        #expect(json["format"] as? String == "rostra-state")
        #expect(json["version"] as? Int == 2)
        let tables = try #require(json["tables"] as? [String: [[String: Any]]])
        #expect(Set(tables.keys) == Set(EmulatedAPIs.schema.tables))
        #expect(tables["rosa_users"]?.first?["uname"] as? String == "demo")
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(try files.count == Self.seed.get().fileHashes.count)
    }

    static let badDocuments: [(String, @Sendable ([String: Any]) -> Any)] = [
        ("not JSON", { _ in "{ nope" }),
        ("another format", { document in document.merging(["format": "wiremock"]) { $1 } }),
        ("a newer format version", { document in document.merging(["version": 3]) { $1 } }),
        ("a file of a plug-in that keeps none", { document in
            var files = document["files"] as! [[String: Any]]
            files.append(["plugin": "nobody", "key": "1", "size": 0, "base64": ""])
            return document.merging(["files": files]) { $1 }
        }),
        ("an unknown table", { document in
            var tables = document["tables"] as! [String: Any]
            tables["secrets"] = []
            return document.merging(["tables": tables]) { $1 }
        }),
        ("a broken reference", { document in
            editRows(document, table: "rosti_apps") { rows in rows[0]["plan_id"] = 999 }
        }),
        ("a duplicate token", { document in
            editRows(document, table: "rosa_users") { rows in rows[1]["token"] = rows[0]["token"] }
        }),
        ("an unknown column", { document in
            editRows(document, table: "rosti_plans") { rows in rows[0]["colour"] = "red" }
        }),
        ("a check violation", { document in
            editRows(document, table: "rosti_storages") { rows in rows[0]["engine"] = "oracle" }
        }),
        ("a file whose bytes do not match its SHA-1", { document in
            var files = document["files"] as! [[String: Any]]
            files[0]["base64"] = Data("tampered".utf8).base64EncodedString()
            return document.merging(["files": files]) { $1 }
        }),
        ("a row without its file", { document in
            var files = document["files"] as! [[String: Any]]
            files.removeFirst()
            return document.merging(["files": files]) { $1 }
        }),
        // A Rosti app's folder travels as its archive, labelled "rosti" with key apps/<id>.
        ("a Rosti app's archive for an app the document does not have", { document in
            let bytes = Data("not an archive".utf8)
            var files = document["files"] as! [[String: Any]]
            files.append(["plugin": "rosti", "key": "apps/999999", "size": bytes.count, "base64": bytes.base64EncodedString()])
            return document.merging(["files": files]) { $1 }
        }),
        ("a Rosti app's archive that is not a tar", { document in
            let bytes = Data("not an archive".utf8)
            var files = document["files"] as! [[String: Any]]
            files.append(["plugin": "rosti", "key": "apps/1201", "size": bytes.count, "base64": bytes.base64EncodedString()])
            return document.merging(["files": files]) { $1 }
        }),
    ]

    static func editRows(_ document: [String: Any], table: String, _ edit: (inout [[String: Any]]) -> Void) -> [String: Any] {
        var tables = document["tables"] as! [String: Any]
        var rows = tables[table] as! [[String: Any]]
        edit(&rows)
        tables[table] = rows
        return document.merging(["tables": tables]) { $1 }
    }

    /// Version 1 documents (before plug-ins labelled their files) import as they always did.
    @Test func aVersionOneDocumentStillImports() throws {
        let source = try StateStore(location: .memory, seed: Self.seed.get())
        try modifyEverything(source)
        var document = try #require(try JSONSerialization.jsonObject(with: source.exportState()) as? [String: Any])
        document["version"] = 1
        #expect((document["files"] as? [[String: Any]])?.allSatisfy { $0["plugin"] == nil && $0["sha1"] != nil } == true)
        let target = try StateStore(location: .memory, seed: Self.seed.get())
        try target.importState(JSONSerialization.data(withJSONObject: document))
        #expect(try StateDump(target) == StateDump(source))
    }

    @Test func aBadImportChangesNothing() throws {
        let store = try StateStore(location: .memory, seed: Self.seed.get())
        try modifyEverything(store)
        let before = try StateDump(store)
        let good = try JSONSerialization.jsonObject(with: StateStore(location: .memory, seed: Self.seed.get()).exportState()) as! [String: Any]
        for (name, corrupt) in Self.badDocuments {
            let bad = corrupt(good)
            let data = try (bad as? String).map { Data($0.utf8) } ?? JSONSerialization.data(withJSONObject: bad)
            #expect(throws: StateImportError.self, "\(name) was imported") { try store.importState(data) }
            #expect(try StateDump(store) == before, "\(name) changed the state")
        }
    }

    @Test func aFreshFileIsRemovedWhenSeedingFails() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let path = directory.path("fresh.sqlite")
        // A blob folder path that is a regular file makes the store fail after the
        // database file was created.
        try Data("in the way".utf8).write(to: URL(fileURLWithPath: path + "-blobs"))
        #expect(throws: (any Error).self) { try StateStore(location: .file(path), seed: Self.seed.get()) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }
}
