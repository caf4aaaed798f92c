import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import RosaFileStore
import Store

/// A helper process for tests and measurements of the state layer.
///
///     StateHarness crash-writer DB_PATH   write until killed, printing each committed id
///     StateHarness bench [SEED_DIR]       time opening, seeding and resetting a StateStore
@main
enum StateHarness {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "crash-writer" where arguments.count == 2:
            try CrashWriter.run(databasePath: arguments[1])
        case "load-seed" where arguments.count == 3:
            // For profilers: load the seed N times.
            for _ in 0..<(Int(arguments[2]) ?? 1) { _ = try Seed.load(from: URL(fileURLWithPath: arguments[1]), schema: EmulatedAPIs.schema) }
        case "bench" where arguments.count <= 2:
            try StateBenchmark.run(seedDirectory: arguments.count == 2 ? arguments[1] : "seed-data")
        default:
            FileHandle.standardError.write(
                Data("usage: StateHarness crash-writer DB_PATH | StateHarness bench [SEED_DIR]\n".utf8))
            exit(64)
        }
    }
}

/// Writes transactions as fast as it can and prints the id of each one after its COMMIT
/// returned — the acknowledgement a client would get. The crash test kills it with SIGKILL
/// at a random moment and checks every printed id survived.
enum CrashWriter {
    static let schema = Migrator([
        Migration(
            version: 1, name: "acknowledged writes",
            sql: """
                CREATE TABLE writes (id INTEGER PRIMARY KEY, payload BLOB NOT NULL, checksum INTEGER NOT NULL);
                CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL);
                INSERT INTO totals (id, count) VALUES (1, 0);
                CREATE INDEX writes_by_checksum ON writes (checksum);
                """)
    ])

    static func run(databasePath: String) throws {
        let database = try Database(path: databasePath, migrator: schema)
        // Checkpoint often so some kills land in the middle of a checkpoint, not only of
        // a WAL append (https://www.sqlite.org/wal.html#automatic_checkpoint).
        try database.writeWithoutTransaction { try $0.execute("PRAGMA wal_autocheckpoint = 16") }
        var generator = SystemRandomNumberGenerator()
        while true {
            // Sizes up to several pages, so one transaction spans many WAL frames.
            var payload = [UInt8](repeating: 0, count: Int.random(in: 1...20_000, using: &generator))
            payload.withUnsafeMutableBytes { bytes in
                for offset in stride(from: 0, to: bytes.count, by: 8) {
                    withUnsafeBytes(of: generator.next()) { random in
                        let count = min(8, bytes.count - offset)
                        bytes.baseAddress!.advanced(by: offset).copyMemory(from: random.baseAddress!, byteCount: count)
                    }
                }
            }
            let checksum = Self.checksum(of: payload)
            let id = try database.write { conn in
                try conn.execute("INSERT INTO writes (payload, checksum) VALUES (?, ?)", [payload, checksum])
                let id = conn.lastInsertedRowID
                try conn.execute("UPDATE totals SET count = count + 1 WHERE id = 1")
                return id
            }
            // One write(2) per line, straight to the pipe: the id reaches the parent only
            // after the transaction committed.
            let line = Array("\(id)\n".utf8)
            _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
    }

    /// The checksum the writer stored, recomputed by the test from the payload.
    static func checksum(of payload: [UInt8]) -> Int {
        payload.reduce(0) { ($0 &* 31 &+ Int($1)) & 0x7FFF_FFFF }
    }
}

/// Times the state layer's start-up, reset and a typical authenticated read, on files in a
/// temporary folder. Run it from a release build (scripts/bench-state does).
enum StateBenchmark {
    static func run(seedDirectory: String) throws {
        let seedURL = URL(fileURLWithPath: seedDirectory, isDirectory: true)
        let workspace = FileManager.default.temporaryDirectory
            .appendingPathComponent("rostra-bench-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }

        // First start: parse and validate the seed, create the file, copy the seed in.
        let freshStarts = try measure(times: 30) { round in
            let path = workspace.appendingPathComponent("fresh-\(round)/rostra.sqlite").path
            _ = try StateStore(location: .file(path), seedDirectory: seedURL, schema: EmulatedAPIs.schema)
        }
        report("first start, seeding a fresh database", freshStarts)

        let path = workspace.appendingPathComponent("existing/rostra.sqlite").path
        _ = try StateStore(location: .file(path), seedDirectory: seedURL, schema: EmulatedAPIs.schema)
        let reopenings = try measure(times: 50) { _ in
            _ = try StateStore(location: .file(path), seedDirectory: seedURL, schema: EmulatedAPIs.schema)
        }
        report("start with an existing database (seed validated too)", reopenings)
        let seed = try Seed.load(from: seedURL, schema: EmulatedAPIs.schema)
        let seedLoads = try measure(times: 50) { _ in _ = try Seed.load(from: seedURL, schema: EmulatedAPIs.schema) }
        report("  of which: loading and validating the seed", seedLoads)
        let databaseOpenings = try measure(times: 50) { _ in
            let database = try Database(path: path, migrator: EmulatedAPIs.schema.migrator)
            _ = try database.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM rosti_accounts") }
        }
        report("  of which: opening the database and a first read", databaseOpenings)
        report("empty :memory: database with the schema", try measure(times: 50) { _ in
            _ = try Database(path: Database.inMemoryPath, migrator: EmulatedAPIs.schema.migrator)
        })
        report("temporary blob store", try measure(times: 50) { _ in _ = try BlobStore.temporary() })

        let store = try StateStore(location: .file(path), seed: seed)
        var upload = 0
        let damage: (Int) throws -> Void = { _ in
            // A little damage first, so every reset has rows and a file to undo.
            upload += 1
            let blob = try store.blobs.write(Array("upload \(upload)".utf8))
            try store.database.write { conn in
                try conn.execute("UPDATE rosti_apps SET enabled = 1 - enabled WHERE id = 1201")
                try conn.execute(
                    "INSERT INTO rosa_files (sha1, file_name, size, user_id, created) VALUES (?, 'x', ?, 1, 0)",
                    [blob.sha1, blob.size])
            }
        }
        let resets = try measure(times: 200, setup: damage, timing: { _ in try store.reset() })
        report("reset to the seed (file database)", resets)

        let memoryStore = try StateStore(location: .memory, seed: seed)
        report("reset to the seed (:memory:)", try measure(times: 200) { _ in try memoryStore.reset() })
        report("new :memory: store from a loaded seed (a tenant)", try measure(times: 50) { _ in
            _ = try StateStore(location: .memory, seed: seed)
        })

        let token = "rostidemo0000000000000000000000000000001"
        let reads = try measure(times: 20_000) { _ in
            _ = try store.database.read { conn -> [Row] in
                guard let account = try conn.fetchValue(Int64.self, "SELECT id FROM rosti_accounts WHERE token = ?", [token])
                else { return [] }
                return try conn.fetchAll(
                    """
                    SELECT c.id, c.name FROM rosti_companies c JOIN rosti_memberships m ON m.company_id = c.id
                    WHERE m.account_id = ? ORDER BY c.id
                    """, [account])
            }
        }
        report("token lookup + list companies (one read transaction)", reads)
    }

    /// Runs `setup` untimed and `body` timed, `times` times; returns the durations.
    static func measure(
        times: Int, setup: (Int) throws -> Void = { _ in }, timing body: (Int) throws -> Void
    ) throws -> [Duration] {
        let clock = ContinuousClock()
        return try (0..<times).map { round in
            try setup(round)
            return try clock.measure { try body(round) }
        }
    }

    static func measure(times: Int, _ body: (Int) throws -> Void) throws -> [Duration] {
        try measure(times: times, timing: body)
    }

    static func report(_ label: String, _ durations: [Duration]) {
        let sorted = durations.sorted()
        func format(_ duration: Duration) -> String {
            let microseconds = Double(duration.components.attoseconds) / 1e12 + Double(duration.components.seconds) * 1e6
            return microseconds >= 1000 ? String(format: "%8.2f ms", microseconds / 1000) : String(format: "%8.1f µs", microseconds)
        }
        let median = sorted[sorted.count / 2]
        let p90 = sorted[min(sorted.count - 1, sorted.count * 9 / 10)]
        print("\(label.padding(toLength: 56, withPad: " ", startingAt: 0)) median \(format(median))   p90 \(format(p90))   n=\(sorted.count)")
    }
}
