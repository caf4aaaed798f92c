import EmulatedAPIs
import Foundation
import JSON
import RosaFileStore
import Store
import Testing

@testable import Emulator
@testable import EmulatorState
import TestSupport

@Suite struct ShippedSeedTests {
    @Test func loadsWithTheWellKnownCredentials() throws {
        let store = try StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        try store.database.read { conn throws in
            let demo = try #require(try conn.fetchOne(
                "SELECT id FROM rosti_accounts WHERE email = 'demo@rostra.local' AND token = 'rostidemo0000000000000000000000000000001'"))
            let demoID: Int64 = try demo["id"]
            let demoCompanies = try conn.fetchAll(
                """
                SELECT c.id, c.name, m.is_default FROM rosti_memberships m JOIN rosti_companies c ON c.id = m.company_id
                WHERE m.account_id = ? ORDER BY c.id
                """, [demoID])
            #expect(demoCompanies.count == 2)
            let defaultCompany = try #require(try demoCompanies.first { try $0["is_default"] as Bool })
            let accountName = try conn.fetchValue(String.self, "SELECT name FROM rosti_accounts WHERE id = ?", [demoID])
            #expect(try defaultCompany["name"] as String == accountName)

            let other = try #require(try conn.fetchValue(
                Int64.self, "SELECT id FROM rosti_accounts WHERE email = 'other@rostra.local' AND token = 'rostidemo0000000000000000000000000000002'"))
            let otherCompanies = try conn.fetchAll("SELECT company_id FROM rosti_memberships WHERE account_id = ?", [other])
                .map { try $0["company_id"] as Int64 }
            #expect(otherCompanies.count == 1)
            #expect(try !demoCompanies.map { try $0["id"] as Int64 }.contains(otherCompanies[0]))

            let users = try conn.fetchAll("SELECT uname, email, password, token, role FROM rosa_users ORDER BY id")
                .map { row in try ["uname", "email", "password", "token", "role"].map { try row[$0] as String } }
            #expect(users == [
                ["demo", "demo@rostra.local", "demo-password", "rosademo00000000000000000000000000000001", "user"],
                ["other", "other@rostra.local", "other-password", "rosademo00000000000000000000000000000002", "user"],
                ["admin", "admin@rostra.local", "admin-password", "rosademo00000000000000000000000000000003", "admin"],
            ])

            let plans = try conn.fetchAll("SELECT id, name, ram_mb, disk_gb FROM rosti_plans ORDER BY ram_mb")
                .map { try "\($0["name"] as String) \($0["ram_mb"] as Int)/\($0["disk_gb"] as Int)" }
            #expect(plans == ["Mini 128/1", "Start+ 512/10", "Normal+ 2048/25", "Pro+ 4096/50", "Business+ 8192/100"])
            #expect(try conn.fetchValue(String.self, "SELECT name FROM rosti_plans WHERE id = 3") == "Start+")
            #expect(try conn.fetchValue(String.self, "SELECT image FROM rosti_runtimes WHERE is_default = 1") == "rosti/runtime:2020.03-1")
            #expect(try conn.fetchValue(Int.self, "SELECT count(DISTINCT engine) FROM rosti_storages") == 2)
            #expect(try conn.fetchValue(Int.self, "SELECT count(*) FROM rosti_snapshots WHERE status = 'ready'") == 1)
            #expect(try conn.fetchValue(Int.self, "SELECT count(*) FROM rosti_jobs WHERE status = 'done'") == 1)
            #expect(try conn.fetchValue(Int.self, "SELECT count(*) FROM rosti_apps a WHERE NOT EXISTS (SELECT 1 FROM rosti_app_containers c WHERE c.app_id = a.id)") == 0)
        }
        let files = try store.database.read { try $0.fetchAll("SELECT sha1, size FROM rosa_files") }
        #expect(files.count >= 3)
        for file in files {
            let sha1: String = try file["sha1"]
            #expect(try store.blobs.size(of: sha1) == (try file["size"] as Int64))
            #expect(SHA1.hexDigest(of: try #require(try store.blobs.contents(of: sha1))) == sha1)
        }
    }
}

/// Each case breaks a copy of the shipped seed in one way.
@Suite struct SeedValidationTests {
    struct Breakage: Sendable, CustomTestStringConvertible {
        let name: String
        let file: String
        let edit: @Sendable (String) -> String
        /// Parts the message must contain: the record and the problem.
        let expected: [String]
        var testDescription: String { name }
    }

    static let breakages: [Breakage] = [
        Breakage(name: "syntax error", file: "rosti.json", edit: { $0.replacingOccurrences(of: "\"Mini\",", with: "\"Mini\"") },
                 expected: ["invalid JSON at line 16, column 30", "expected ',' or '}'"]),
        Breakage(name: "missing field", file: "rosti.json",
                 edit: { $0.replacingOccurrences(of: "\"mode\": \"https+le\", \"plan\": 4,", with: "\"mode\": \"https+le\",") },
                 expected: ["apps[2] (id 1203, \"eshop\"", "missing field \"plan\""]),
        Breakage(name: "duplicate id", file: "rosti.json",
                 edit: { $0.replacingOccurrences(of: "{\"id\": 4, \"name\": \"Normal+\"", with: "{\"id\": 3, \"name\": \"Normal+\"") },
                 expected: ["plans[2] (id 3, \"Normal+\"", "duplicate plan id 3 (already used by plans[1] (id 3, \"Start+\""]),
        Breakage(name: "duplicate unique value", file: "rosa.json",
                 edit: { $0.replacingOccurrences(of: "rosademo00000000000000000000000000000003", with: "rosademo00000000000000000000000000000001") },
                 expected: ["users[2] (id 3, \"admin\"", "duplicate token"]),
        Breakage(name: "duplicate JSON key", file: "rosa.json",
                 edit: { $0.replacingOccurrences(of: "\"role\": \"admin\",", with: "\"role\": \"admin\", \"role\": \"user\",") },
                 expected: ["invalid JSON at line", "duplicate key \"role\""]),
        Breakage(name: "unknown reference", file: "rosti.json",
                 edit: { $0.replacingOccurrences(of: "{\"id\": 1204, \"company\": 3,", with: "{\"id\": 1204, \"company\": 99,") },
                 expected: ["apps[3] (id 1204, \"portfolio\"", "company 99, which does not exist"]),
        Breakage(name: "unknown owner", file: "rosa.json",
                 edit: { $0.replacingOccurrences(of: "\"owner\": \"other\"", with: "\"owner\": \"nobody\"") },
                 expected: ["files[3] (id 4, \"other-notes.md\"", "user \"nobody\", which does not exist"]),
        Breakage(name: "wrong type", file: "rosti.json",
                 edit: { $0.replacingOccurrences(of: "\"ram\": 128,", with: "\"ram\": \"128\",") },
                 expected: ["plans[0] (id 2, \"Mini\"", "field \"ram\" must be an integer, found a string"]),
        Breakage(name: "unknown field", file: "rosti.json",
                 edit: { $0.replacingOccurrences(of: "\"cpu_quota\": 25}", with: "\"cpu_quota\": 25, \"cpu_qouta\": 1}") },
                 expected: ["plans[0] (id 2, \"Mini\"", "unknown field \"cpu_qouta\""]),
        Breakage(name: "bad choice", file: "rosti.json",
                 edit: { $0.replacingOccurrences(of: "\"engine\": \"pgsql\", \"name\": \"eshop_1896\"", with: "\"engine\": \"mysql\", \"name\": \"eshop_1896\"") },
                 expected: ["storages[2] (id 1896, \"eshop_1896\"", "\"engine\" is \"mysql\""]),
        Breakage(name: "missing seed file content", file: "rosa.json",
                 edit: { $0.replacingOccurrences(of: "\"file\": \"hello.txt\"", with: "\"file\": \"../rosti.json\"") },
                 expected: ["files[0] (id 1, \"../rosti.json\"", "must be a path inside rosa-files/"]),
    ]

    @Test(arguments: breakages)
    func failsNamingFileRecordAndProblemAndLeavesNoDatabase(breakage: Breakage) throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let seed = directory.url.appendingPathComponent("seed")
        try FileManager.default.copyItem(at: shippedSeedDirectory, to: seed)
        let broken = seed.appendingPathComponent(breakage.file)
        let original = try String(contentsOf: broken, encoding: .utf8)
        let edited = breakage.edit(original)
        try #require(edited != original, "the edit for \(breakage.name) matched nothing")
        try edited.write(to: broken, atomically: true, encoding: .utf8)

        let databasePath = directory.path("state/rostra.sqlite")
        do {
            _ = try StateStore(location: .file(databasePath), seedDirectory: seed, schema: EmulatedAPIs.schema)
            Issue.record("a broken seed (\(breakage.name)) was accepted")
        } catch let error as SeedError {
            #expect(error.file == broken.path)
            let message = error.description
            #expect(message.hasPrefix(broken.path + ": "))
            for part in breakage.expected {
                #expect(message.contains(part), "\(message) lacks \(part)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: databasePath))
        #expect(!FileManager.default.fileExists(atPath: databasePath + "-blobs"))
    }

    @Test func aMissingSeedFileIsNamed() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        #expect {
            try Seed.load(from: directory.url, schema: EmulatedAPIs.schema)
        } throws: { error in
            (error as? SeedError)?.description.contains(directory.path("rosti.json") + ": cannot be read") == true
        }
    }
}

@Suite struct SeedTimeTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2024-01-15T09:00:00Z", 1_705_309_200.0),
        ("2024-02-29T23:59:59Z", 1_709_251_199.0),
        ("2021-01-13T00:32:16+01:00", 1_610_494_336.0),
        ("2000-03-01T00:00:00.25Z", 951_868_800.25),
        ("1969-12-31T23:00:00-01:00", 0.0),
    ])
    func parsesISO8601(text: String, seconds: Double) {
        #expect(SeedRecord.parseTime(text) == seconds)
    }

    @Test(arguments: ["2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-15T09:00:00", "2024-01-15 09:00:00Z",
                      "2024-13-01T00:00:00Z", "2024-01-15T24:00:00Z", "2024-01-15T09:00:00Zjunk", "2024-01-15T09:00:00.Z"])
    func refusesMalformedTimes(text: String) {
        #expect(SeedRecord.parseTime(text) == nil)
    }
}

/// Seed files are read by the one JSON parser, with what a file people edit needs on top.
@Suite struct SeedJSONTests {
    /// A copy of the shipped seed with `edit` applied to `rosti.json`, loaded into memory.
    func loadEdited(_ edit: (String) -> String) throws -> StateStore {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let seed = directory.url.appendingPathComponent("seed")
        try FileManager.default.copyItem(at: shippedSeedDirectory, to: seed)
        let file = seed.appendingPathComponent("rosti.json")
        let original = try String(contentsOf: file, encoding: .utf8)
        let edited = edit(original)
        try #require(edited != original, "the edit matched nothing")
        try Data(edited.utf8).write(to: file)
        return try StateStore(location: .memory, seedDirectory: seed, schema: EmulatedAPIs.schema)
    }

    @Test func aByteOrderMarkIsSkipped() throws {
        let store = try loadEdited { "\u{FEFF}" + $0 }
        #expect(try store.database.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM rosti_plans") } == 5)
    }

    /// A lone surrogate escape cannot be UTF-8: read as U+FFFD, as in the APIs' bodies.
    @Test func aLoneSurrogateBecomesTheReplacementCharacter() throws {
        let store = try loadEdited { $0.replacingOccurrences(of: #""name": "Mini""#, with: #""name": "Mini\ud800""#) }
        #expect(try store.database.read { try $0.fetchValue(String.self, "SELECT name FROM rosti_plans WHERE id = 2") } == "Mini\u{FFFD}")
    }

    /// JSON columns hold the text the Rosti API writes for the same value (DRF's).
    @Test func jsonColumnsAreWrittenAsTheAPIWritesThem() throws {
        let store = try loadEdited {
            $0.replacingOccurrences(of: #""domains": ["blog-1201.rostiapp.cz", "blog.dana-demo.cz"]"#,
                                    with: #""domains": ["blog-1201.rostiapp.cz", "a\u2028b\u0008/é"]"#)
        }
        let stored = try store.database.read { try $0.fetchValue(String.self, "SELECT domains FROM rosti_apps WHERE id = 1201") }
        #expect(stored == #"["blog-1201.rostiapp.cz","a\u2028b\b/é"]"#)
        #expect(SeedRecord.jsonArray(["a\u{2028}b\u{08}/é"]) == JSONWriter.text(["a\u{2028}b\u{08}/é"], .djangoREST))
    }

    @Test func syntaxErrorsNameLineColumnAndTheProblem() throws {
        #expect {
            try loadEdited { $0.replacingOccurrences(of: #""ram": 128,"#, with: #""ram": 128,,"#) }
        } throws: { error in
            (error as? SeedError)?.problem == "invalid JSON at line 16, column 42: expected a quoted key"
        }
        #expect {
            try loadEdited { $0.replacingOccurrences(of: #""ram": 128,"#, with: #""ram": tru,"#) }
        } throws: { error in
            (error as? SeedError)?.problem == "invalid JSON at line 16, column 38: invalid literal, expected true"
        }
    }
}
