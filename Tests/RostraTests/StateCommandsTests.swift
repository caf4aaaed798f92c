import Foundation
import Testing
import TestSupport

/// `rostra export FILE` and `rostra import FILE`.
@Suite struct StateCommandsTests {
    @Test func exportThenImportIntoAnotherDatabaseGivesTheSameState() throws {
        let scratch = try TemporaryDirectory()
        let seed = ["--seed", RostraProcess.seedDirectory]
        let (exported, exportOutput, exportErrors) = try RostraProcess.run(
            ["export", scratch.path("state.json"), "--db", scratch.path("a.sqlite")] + seed, directory: scratch.url)
        #expect(exported == 0, "\(exportErrors)")
        #expect(exportOutput.contains("exported"))

        let (imported, _, importErrors) = try RostraProcess.run(
            ["import", scratch.path("state.json"), "--db", scratch.path("b.sqlite")] + seed, directory: scratch.url)
        #expect(imported == 0, "\(importErrors)")
        let (_, _, _) = try RostraProcess.run(["export", scratch.path("again.json"), "--db", scratch.path("b.sqlite")] + seed, directory: scratch.url)

        let first = try Self.state(in: scratch.url.appendingPathComponent("state.json"))
        let second = try Self.state(in: scratch.url.appendingPathComponent("again.json"))
        #expect(first.count > 0 && first == second)
    }

    @Test func aBadImportFailsAndChangesNothing() throws {
        let scratch = try TemporaryDirectory()
        let seed = ["--seed", RostraProcess.seedDirectory]
        let database = ["--db", scratch.path("db.sqlite")]
        _ = try RostraProcess.run(["export", scratch.path("before.json")] + database + seed, directory: scratch.url)
        try #"{"format": "rostra-state", "version": 1, "tables": {"rosti_accounts": [{"id": "x"}]}}"#
            .write(toFile: scratch.path("bad.json"), atomically: true, encoding: .utf8)

        let (status, _, errors) = try RostraProcess.run(["import", scratch.path("bad.json")] + database + seed, directory: scratch.url)
        #expect(status != 0)
        #expect(errors.contains("Cannot import"))

        _ = try RostraProcess.run(["export", scratch.path("after.json")] + database + seed, directory: scratch.url)
        let before = try Self.state(in: scratch.url.appendingPathComponent("before.json"))
        let after = try Self.state(in: scratch.url.appendingPathComponent("after.json"))
        #expect(before.count > 0 && before == after)
    }

    /// An exported document without the moment it was written, which differs every time.
    static func state(in file: URL) throws -> NSDictionary {
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
        return document.filter { $0.key != "exported_at" } as NSDictionary
    }
}
