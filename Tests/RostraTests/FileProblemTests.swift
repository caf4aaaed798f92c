import Foundation
import Testing
import TestSupport

/// A state or ready file that cannot be made is named in plain words with the way out —
/// never as Foundation's `NSCocoaErrorDomain … (null)` dump — and nothing is left behind.
@Suite struct FileProblemTests {
    static let wayOut = "— use --db PATH for a database where you can write (or --db :memory: to keep nothing).\n"

    /// Every command that opens the state says the same.
    static func commands(_ database: [String]) -> [[String]] {
        [["serve", "--rosti-port", "0", "--rosa-port", "0", "--seed", RostraProcess.seedDirectory] + database,
         ["export", "out.json", "--seed", RostraProcess.seedDirectory] + database]
    }

    @Test func aPathThroughARegularFileIsNamed() throws {
        let scratch = try TemporaryDirectory()
        try "notes".write(toFile: scratch.path("notes"), atomically: true, encoding: .utf8)
        for command in Self.commands(["--db", "notes/state/rostra.sqlite"]) {
            let (status, output, errors) = try RostraProcess.run(command, directory: scratch.url)
            #expect(status == 1)
            #expect(errors == "Error: Cannot open the state notes/state/rostra.sqlite: not a folder: notes is a file \(Self.wayOut)")
            #expect(output.isEmpty)
        }
        #expect(try String(contentsOfFile: scratch.path("notes"), encoding: .utf8) == "notes")
    }

    @Test func aDatabasePathThatIsAFolderIsNamed() throws {
        let scratch = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: scratch.path("state.sqlite"), withIntermediateDirectories: true)
        let (status, _, errors) = try RostraProcess.run(Self.commands(["--db", "state.sqlite"])[0], directory: scratch.url)
        #expect(status == 1)
        #expect(errors == "Error: Cannot open the state state.sqlite: not a file: state.sqlite is a folder \(Self.wayOut)")
    }

    /// Run as a user without privileges (`nobody` when the tests run as root), in a working
    /// folder it may read but not write: the default `.rostra` cannot be made, nor a
    /// database named in that folder; a folder it cannot enter is named as such.
    @Test func anUnwritableFolderIsNamed() throws {
        let scratch = try TemporaryDirectory()
        let readOnly = scratch.path("read-only")
        try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o555])
        try FileManager.default.createDirectory(atPath: scratch.path("closed"), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let directory = URL(fileURLWithPath: readOnly)
        let cases: [([String], String)] = [
            ([], "Cannot open the state .rostra/rostra.sqlite: permission denied: cannot create the folder .rostra in \(readOnly)"),
            (["--db", "here.sqlite"], "Cannot open the state here.sqlite: permission denied: cannot write in the folder \(readOnly)"),
            (["--db", "\(readOnly)/deeper/here.sqlite"],
             "Cannot open the state \(readOnly)/deeper/here.sqlite: permission denied: cannot create the folder \(readOnly)/deeper in \(readOnly)"),
            (["--db", scratch.path("closed/x/here.sqlite")],
             "Cannot open the state \(scratch.path("closed/x/here.sqlite")): permission denied: cannot look inside \(scratch.path("closed"))"),
        ]
        for (database, message) in cases {
            for command in Self.commands(database) {
                let (status, _, errors) = try RostraProcess.run(command, directory: directory, launcher: RostraProcess.unprivilegedLauncher)
                #expect(status == 1, "\(command)")
                #expect(errors == "Error: \(message) \(Self.wayOut)", "\(command)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: readOnly).isEmpty)
    }

    @Test func aReadyFileThatCannotBeMadeIsNamed() throws {
        let scratch = try TemporaryDirectory()
        try "notes".write(toFile: scratch.path("notes"), atomically: true, encoding: .utf8)
        let (status, _, errors) = try RostraProcess.run(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory,
             "--ready-file", "notes/ready.json"], directory: scratch.url)
        #expect(status == 1)
        #expect(errors == "Error: Cannot write the ready file notes/ready.json: not a folder: notes is a file\n")
    }
}
