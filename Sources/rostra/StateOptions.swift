import Arguments
import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import Logging
import RostiAPI
import RostiHosting

/// Where the emulator's state lives and what it starts from; shared by `serve`, `export`
/// and `import`.
struct StateOptions {
    static let db = OptionSpec(
        "db", .value(valueName: "path"), help: "Database file, or :memory: for a throwaway instance.",
        environment: EnvironmentFallback("ROSTRA_DB"), shownDefault: StateStore.Location.defaultPath)
    static let seed = OptionSpec(
        "seed", .value(valueName: "folder"), help: "Folder of seed JSON files.", environment: EnvironmentFallback("ROSTRA_SEED"),
        shownDefault: "./seed-data, else the seed-data folder shipped beside the executable")
    static let reseed = OptionSpec(
        "reseed", .flag, help: "Start over from the seed, replacing the database's contents.",
        environment: EnvironmentFallback("ROSTRA_RESEED", shown: "ROSTRA_RESEED=1"))
    static let all = [db, seed, reseed]

    let location: StateStore.Location
    let seed: String?
    let shouldReseed: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        location = StateStore.Location(argument: arguments.string(Self.db) ?? StateStore.Location.defaultPath)
        seed = arguments.string(Self.seed)
        shouldReseed = try arguments.isSet(Self.reseed)
    }

    /// The seed folder: the flag, the environment, `./seed-data`, or the folder installed
    /// beside the executable (`<bin>/seed-data`, or the package's own from `.build/<config>/`).
    /// Paths as strings, not URLs: this is on every start (see `FileSystem`).
    func seedDirectory() throws -> URL {
        if let chosen = seed {
            return URL(fileURLWithPath: chosen, isDirectory: true)
        }
        if FileSystem.exists("seed-data/" + RostiState.seedFileName) { return URL(fileURLWithPath: "seed-data", isDirectory: true) }
        // Beside the executable; then, for .build/<triple>/<config>/rostra, the package's
        // own three folders up, and two up for .build/<config>/rostra.
        let components = Self.executablePath()?.split(separator: "/", omittingEmptySubsequences: false) ?? []
        for dropped in [1, 4, 3] where components.count > dropped {
            let candidate = (components.dropLast(dropped) + ["seed-data"]).joined(separator: "/")
            if FileSystem.exists(FileSystem.join(candidate, RostiState.seedFileName)) { return URL(fileURLWithPath: candidate, isDirectory: true) }
        }
        throw CommandFailure("No seed-data folder found (looked in ./seed-data and beside the executable); name one with --seed or ROSTRA_SEED.")
    }

    /// The running executable with symbolic links resolved (Linux's /proc/self/exe, else
    /// the resolved first argument).
    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 { return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        guard let resolved = realpath(CommandLine.arguments[0], nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Opens (creating and seeding when new) the state, with errors a person can act on: a
    /// path that cannot be made or written is named with the reason and the way out, never
    /// as Foundation's or SQLite's raw error.
    func openStore() throws -> StateStore {
        let directory = try seedDirectory()
        do {
            // StateStore creates the database's folder when it is missing.
            return try StateStore(location: location, seedDirectory: directory, schema: EmulatedAPIs.schema, reseed: shouldReseed)
        } catch {
            if case .file(let path) = location,
                let problem = FileProblem.explain(creatingFileAt: path) ?? FileProblem.explain(creatingFolder: path + "-blobs")
            {
                throw CommandFailure("Cannot open the state \(location): \(problem) — \(Self.wayOut)")
            }
            if FileProblem.isFileError(error) {
                throw CommandFailure("Cannot open the state \(location): \(FileProblem.describe(error)) — \(Self.wayOut)")
            }
            throw CommandFailure("Cannot open the state \(location) with the seed \(directory.path): \(error)")
        }
    }

    static let wayOut = "use --db PATH for a database where you can write (or --db :memory: to keep nothing)."
}

/// What `export` and `import` take: the state options and one file.
protocol StateFileCommand: RostraCommand {
    var state: StateOptions { get }
    var file: String { get }
    /// False with --no-storage-engines: storages' databases are left alone.
    var storageEngines: Bool { get }
    init(state: StateOptions, file: String, storageEngines: Bool)
}

extension StateFileCommand {
    init(_ arguments: ParsedArguments) throws(UsageError) {
        self.init(state: try StateOptions(arguments), file: arguments.positionals[0], storageEngines: try !arguments.isSet(StorageEngineSetup.off))
    }

    static func stateFileSpec(name: String, abstract: String, fileHelp: String) -> CommandSpec {
        CommandSpec(name: name, abstract: abstract, options: StateOptions.all + [StorageEngineSetup.off],
                    arguments: [ArgumentSpec("file", .one, help: fileHelp)])
    }
}

struct ExportCommand: StateFileCommand {
    static let spec = stateFileSpec(
        name: "export",
        abstract: "Write the whole emulator state (every table, stored file and storage's database) to one portable JSON file.",
        fileHelp: "The file to write.")

    let state: StateOptions
    let file: String
    let storageEngines: Bool

    func run() throws {
        try StateWithEngines.open(state, engines: storageEngines) { store, _ in
            // Each storage's database goes in as a dump: its engine starts for it.
            try store.exportState(to: URL(fileURLWithPath: file))
        }
        print("exported \(state.location) to \(file)")
    }
}

struct ImportCommand: StateFileCommand {
    static let spec = stateFileSpec(
        name: "import",
        abstract: "Replace the emulator state (storages' databases included) with the contents of a file written by `rostra export`; a bad file changes nothing.",
        fileHelp: "The file to read.")

    let state: StateOptions
    let file: String
    let storageEngines: Bool

    func run() throws {
        try StateWithEngines.open(state, engines: storageEngines) { store, emulator in
            do {
                try store.importState(from: URL(fileURLWithPath: file))
            } catch {
                throw CommandFailure("Cannot import \(file): \(error)")
            }
            // The storages' databases follow the rows (their dumps loaded), before the
            // engines stop with the command.
            for plugin in emulator.plugins { plugin.tenant(emulator.defaultTenant, did: .imported) }
        }
        print("imported \(file) into \(state.location)")
    }
}

/// `export` and `import` open the state with its storages' engines, as `serve` does, and
/// close both (the database file alone then holds the state; the engines stop).
enum StateWithEngines {
    static func open(_ options: StateOptions, engines enabled: Bool, _ body: (StateStore, Emulator) throws -> Void) throws {
        var logger = Logger(label: "rostra")
        logger.logLevel = .warning
        let store = try options.openStore()
        let storages = StorageEngineSetup(location: store.location, hostname: StorageHosting.defaultHostname, enabled: enabled, logger: logger)
        // The engines of a state that a running Rostra serves are that Rostra's: an export or
        // import here would start second servers on the same data.
        if let (engine, pid) = storages.engines?.runningElsewhere.first {
            try? store.close()
            throw CommandFailure(
                "The \(engine.productName) server of \(store.location) is run by another Rostra (pid \(pid)); stop it first, or use its admin API (GET or PUT /__admin/state).")
        }
        let emulator = Emulator(defaultState: store, plugins: storages.plugins, logger: logger)
        defer {
            try? emulator.close()
            storages.engines?.close()
        }
        try body(store, emulator)
    }
}
