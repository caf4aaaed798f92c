import Foundation
import Testing

@testable import StateHarness
@testable import Store
import TestSupport

/// A child process commits writes in a burst and prints each acknowledged id; it is killed
/// with SIGKILL mid-burst. After every kill the database must pass `integrity_check` and
/// hold every acknowledged write — WAL with synchronous=NORMAL promises exactly that for
/// an application crash.
@Suite struct CrashDurabilityTests {
    static let rounds = 6

    @Test func sigkillMidBurstLosesNoAcknowledgedWrite() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let path = directory.path("crash.sqlite")
        var acknowledged = Set<Int64>()
        for round in 1...Self.rounds {
            // Kill at a different depth each round, from a few writes to a few hundred.
            let killAfter = Int.random(in: 5...300)
            let ids = try Self.runWriterAndKill(databasePath: path, afterAcknowledgements: killAfter)
            #expect(ids.count >= killAfter, "round \(round): the writer acknowledged too little")
            acknowledged.formUnion(ids)

            let database = try Database(path: path, migrator: CrashWriter.schema)
            try database.read { conn in
                #expect(try conn.fetchValue(String.self, "PRAGMA integrity_check") == "ok")
                let stored = try Set(conn.fetchAll("SELECT id FROM writes").map { try $0["id"] as Int64 })
                let missing = acknowledged.subtracting(stored)
                #expect(missing.isEmpty, "round \(round): acknowledged but lost: \(missing.sorted().prefix(10))")
                // Each transaction is whole: the counter moved once per stored row.
                #expect(try conn.fetchValue(Int.self, "SELECT count FROM totals") == stored.count)
                try conn.forEachRow("SELECT payload, checksum FROM writes ORDER BY random() LIMIT 20") { row throws in
                    #expect(CrashWriter.checksum(of: try row["payload"]) == (try row["checksum"] as Int))
                }
            }
        }
    }

    /// Starts the writer, reads acknowledged ids until `count` arrived, SIGKILLs it, and
    /// returns every id it printed — including lines still in the pipe at the kill.
    static func runWriterAndKill(databasePath: String, afterAcknowledgements count: Int) throws -> [Int64] {
        let process = Process()
        process.executableURL = try harnessExecutable()
        process.arguments = ["crash-writer", databasePath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        var buffered = Data()
        var ids: [Int64] = []
        func takeCompleteLines() {
            while let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffered[buffered.startIndex..<newline]
                buffered.removeSubrange(buffered.startIndex...newline)
                if let id = Int64(String(decoding: line, as: UTF8.self)) { ids.append(id) }
            }
        }
        let reader = output.fileHandleForReading
        while ids.count < count {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the writer died on its own; the checks will say why
            buffered.append(chunk)
            takeCompleteLines()
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        buffered.append(reader.readDataToEndOfFile())
        takeCompleteLines()  // a half line was never fully acknowledged and is ignored
        #expect(process.terminationReason == .uncaughtSignal, "the writer exited by itself")
        return ids
    }

    /// The harness binary is built beside the test binary (`.build-…/debug/`).
    static func harnessExecutable() throws -> URL {
        try BuiltProducts.executable(named: "StateHarness")
    }
}
