import Foundation
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

enum StateBenchmark {
    static func run(seedDirectory: String) throws {
        print("bench: not built yet")
    }
}
