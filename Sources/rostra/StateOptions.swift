import ArgumentParser
import Emulator
import Foundation

/// Where the emulator's state lives and what it starts from; shared by `serve`, `export`
/// and `import`.
struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Database file, or :memory: for a throwaway instance. Env: ROSTRA_DB. Default: \(StateStore.Location.defaultPath).", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("Folder of seed JSON files. Env: ROSTRA_SEED. Default: ./seed-data, else the seed-data folder shipped beside the executable.", valueName: "folder"))
    var seed: String?

    @Flag(help: "Start over from the seed, replacing the database's contents. Env: ROSTRA_RESEED=1.")
    var reseed = false

    var location: StateStore.Location {
        StateStore.Location(argument: db ?? EnvironmentDefault.string("ROSTRA_DB") ?? StateStore.Location.defaultPath)
    }

    var shouldReseed: Bool {
        reseed || ["1", "true", "yes"].contains(EnvironmentDefault.string("ROSTRA_RESEED")?.lowercased() ?? "")
    }

    /// The seed folder: the flag, the environment, `./seed-data`, or the folder installed
    /// beside the executable (`<bin>/seed-data`, or the package's own from `.build/<config>/`).
    func seedDirectory() throws -> URL {
        if let chosen = seed ?? EnvironmentDefault.string("ROSTRA_SEED") {
            return URL(fileURLWithPath: chosen, isDirectory: true)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            URL(fileURLWithPath: "seed-data", isDirectory: true),
            executable.appendingPathComponent("seed-data", isDirectory: true),
            executable.appendingPathComponent("../../../seed-data", isDirectory: true).standardizedFileURL,
            executable.appendingPathComponent("../../seed-data", isDirectory: true).standardizedFileURL,
        ]
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("rosti.json").path) {
            return candidate
        }
        throw CommandFailure("No seed-data folder found (looked in ./seed-data and beside the executable); name one with --seed or ROSTRA_SEED.")
    }

    /// Opens (creating and seeding when new) the state, with errors a person can act on.
    func openStore() throws -> StateStore {
        let directory = try seedDirectory()
        do {
            if case .file(let path) = location {
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            return try StateStore(location: location, seedDirectory: directory, reseed: shouldReseed)
        } catch {
            throw CommandFailure("Cannot open the state \(location) with the seed \(directory.path): \(error)")
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the whole emulator state (every table and stored file) to one portable JSON file."
    )

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The file to write.", valueName: "file"))
    var file: String

    func run() throws {
        let store = try state.openStore()
        try store.exportState(to: URL(fileURLWithPath: file))
        print("exported \(store.location) to \(file)")
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Replace the emulator state with the contents of a file written by `rostra export`; a bad file changes nothing."
    )

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The file to read.", valueName: "file"))
    var file: String

    func run() throws {
        let store = try state.openStore()
        do {
            try store.importState(from: URL(fileURLWithPath: file))
        } catch {
            throw CommandFailure("Cannot import \(file): \(error)")
        }
        print("imported \(file) into \(store.location)")
    }
}
