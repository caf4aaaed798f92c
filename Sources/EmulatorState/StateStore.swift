import Foundation
import Primitives
import Store

/// Everything the emulator remembers — every plug-in's rows in one SQLite database, and
/// what plug-ins keep beside it (the Rosa File Store's uploaded bytes) — with reset to the
/// seed, export and import. One database for all plug-ins, so that a reset or an import
/// replaces every API's data in one atomic step and an export reads them in one
/// transaction.
///
/// No global state: every store owns its database, its plug-ins' files and its seed
/// reference, so two stores (two servers, or tenants) in one process never see each other.
public final class StateStore: Sendable {
    public enum Location: Sendable, Equatable, CustomStringConvertible {
        /// A database file; plug-ins keep their files in folders beside it.
        case file(String)
        /// A throwaway database in memory, with plug-ins' files in temporary folders, all
        /// gone when the store is released.
        case memory

        /// `./.rostra/rostra.sqlite`, relative to the working directory.
        public static let defaultPath = ".rostra/rostra.sqlite"
        public static let `default` = Location.file(defaultPath)

        /// What `--db` takes: ":memory:" or a path.
        public init(argument: String) {
            self = argument == Database.inMemoryPath ? .memory : .file(argument)
        }

        public var description: String {
            switch self {
            case .file(let path): return path
            case .memory: return Database.inMemoryPath
            }
        }
    }

    public let location: Location
    public let seed: Seed
    /// Every plug-in's tables (see `StateSchema`); API modules query through it.
    public let database: Database
    /// What each plug-in keeps beside the database, in schema order (nil: nothing).
    private let pluginFiles: [(any StateFiles)?]
    /// How this open found the database (and whether it seeded it).
    public let opening: Opening
    /// True when this open seeded the database.
    public var wasSeeded: Bool { opening != .reused }
    /// What the last structural check found (`checkIntegrity()`).
    private let integrityFound = AdaptiveMutex(Integrity.unchecked)

    public enum Opening: Sendable, Equatable {
        /// A new database: created and seeded (first start, or `:memory:`).
        case created
        /// `reseed` asked for the seed over what was there.
        case reseeded
        /// The file existed but held no state (0 bytes, or SQLite without a single
        /// table): seeded, as a new one would be.
        case seededEmptyFile
        /// An existing state, reused as it is.
        case reused
    }

    public enum Integrity: Sendable, Equatable {
        case unchecked
        case sound
        /// SQLite's own words for what is broken.
        case damaged([String])
    }

    public var schema: StateSchema { seed.schema }

    /// Opens the state at `location`, seeding it from the folder `seedDirectory` when it
    /// is new or `reseed` is set. Convenience for `init(location:seed:reseed:)`.
    ///
    /// An existing file that is reused needs the seed only for a later reset, so the seed is
    /// then read and checked when first needed (`seed.waitUntilLoaded()` does it and reports
    /// a broken one) and opening takes about a millisecond instead of several.
    public convenience init(
        location: Location = .default, seedDirectory: URL, schema: StateSchema, reseed: Bool = false
    ) throws {
        var reusesExistingFile = false
        if case .file(let path) = location, !reseed { reusesExistingFile = FileSystem.exists(path) }
        let seed = reusesExistingFile
            ? Seed.loadWhenNeeded(from: seedDirectory, schema: schema) : try Seed.load(from: seedDirectory, schema: schema)
        try self.init(location: location, seed: seed, reseed: reseed)
    }

    /// Opens the state at `location`: an existing file is reused as it is (and migrated to
    /// this build's schema); a missing one is created and seeded; `reseed` starts over from
    /// the seed. A file that is not SQLite or has a newer schema is refused and left as it
    /// is, `reseed` or not. If creating a new file fails half-way, it is removed again.
    public init(location: Location, seed: Seed, reseed: Bool = false) throws {
        self.location = location
        self.seed = seed
        switch location {
        case .memory:
            // No migrations: the reset below copies the template's schema with its rows.
            database = try Database(path: Database.inMemoryPath)
            pluginFiles = try seed.schema.plugins.map { try $0.openFiles(for: location) }
            opening = .created
        case .file(let path):
            let isNew = !FileSystem.exists(path)
            var opened: [(any StateFiles)?] = []
            do {
                try FileSystem.createDirectories(FileSystem.parent(of: path))
                database = try Database(path: path, migrator: seed.schema.migrator)
                for plugin in seed.schema.plugins { opened.append(try plugin.openFiles(for: location)) }
                pluginFiles = opened
                // A file without the schema got it from the migrator just now, with no row:
                // serving that as "reused" would be a world where no credential works.
                opening = isNew ? .created : reseed ? .reseeded : database.versionAtOpening == 0 ? .seededEmptyFile : .reused
            } catch {
                if isNew { Self.removeNewState(at: path, files: opened) }
                throw error
            }
            guard wasSeeded else { return }
            do {
                try reset()
            } catch {
                if isNew { Self.removeNewState(at: path, files: opened) }
                throw error
            }
            return
        }
        try reset()
    }

    /// Undoes a first open that failed half-way: the database files and what plug-ins
    /// made beside them.
    private static func removeNewState(at path: String, files: [(any StateFiles)?]) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        for case let files? in files { files.removeStorage() }
    }

    /// The files of the plug-in whose store has type `Files`.
    ///
    /// - Precondition: one of the schema's plug-ins keeps its files in a `Files` (a
    ///   programming error otherwise: an API module asks only for its own).
    public func files<Files: StateFiles>(_ type: Files.Type) -> Files {
        for case let files as Files in pluginFiles { return files }
        preconditionFailure("no plug-in of this state keeps its files in a \(Files.self)")
    }

    /// Every plug-in's files, with the plug-in's index in the schema.
    private var indexedFiles: [(index: Int, files: any StateFiles)] {
        pluginFiles.enumerated().compactMap { index, files in files.map { (index, $0) } }
    }

    // MARK: Closing and checking

    /// Ends the state's use by this process: the database is checkpointed into its file
    /// and closed (`Database.close()`: the file alone then holds everything), and a
    /// throwaway state's folders are removed. Reads and writes afterwards throw.
    public func close() throws {
        defer {
            if location == .memory { for case let files? in pluginFiles { files.removeStorage() } }
        }
        try database.close()
    }

    /// Runs SQLite's structural check of the database file (`Database.structuralProblems`)
    /// and remembers what it found for `integrity`. For a state that was reused: a damaged
    /// page otherwise shows only as a 500 on the calls that touch it.
    @discardableResult
    public func checkIntegrity() -> Integrity {
        let found: Integrity
        do {
            let problems = try database.structuralProblems()
            found = problems.isEmpty ? .sound : .damaged(problems)
        } catch {
            found = .damaged(["\(error)"])
        }
        integrityFound.withLock { $0 = found }
        return found
    }

    /// What the last `checkIntegrity()` found; `.unchecked` before one ran.
    public var integrity: Integrity { integrityFound.withLock { $0 } }

    // MARK: Reset

    /// Puts every table and stored file back as the seed has them, without a restart.
    ///
    /// One page copy of the seed's template (the sqlite3 backup API) replaces the whole
    /// database atomically; around it, plug-ins write back seed files that went missing and
    /// delete the files the seed does not have. All of it happens under the writer lock, so
    /// an API write that checks its files inside `database.write` never races a reset.
    public func reset() throws {
        let seeded = try indexedFiles.map { try seed.files(ofPlugin: $0.index) }
        try replaceState(withContentsOf: seed.template, files: seeded)
    }

    /// Copies `source` over the live database under the writer lock. Each plug-in's files
    /// (`files`, in `indexedFiles` order) are restored first, so rows never point at
    /// missing files, and files no longer wanted go afterwards.
    func replaceState(withContentsOf source: Database, files: [[String: [UInt8]]]) throws {
        let stores = indexedFiles.map(\.files)
        try database.writeWithoutTransaction { live in
            for (store, wanted) in zip(stores, files) { try store.restore(wanted) }
            // The source is only read; its exclusive (writer) access is simply the way to
            // hold its single in-memory connection without starting a transaction, which
            // the backup API does not want on either side.
            try source.writeWithoutTransaction { try live.replaceContents(with: $0) }
            for (store, wanted) in zip(stores, files) { try store.removeAll(except: Set(wanted.keys)) }
        }
        // Every page was just written anew: a damage found earlier may be gone.
        if case .damaged = integrity { checkIntegrity() }
    }

    // MARK: Export and import

    /// The whole state as one portable JSON document (format `StateDocument.formatName`):
    /// every table's rows, AUTOINCREMENT counters, and every stored file base64-encoded.
    public func exportState() throws -> Data {
        for (_, files) in indexedFiles { try files.prepareExport() }
        // Under the writer lock so no write lands between reading rows and reading files.
        let document = try database.writeWithoutTransaction { conn in
            try conn.inTransaction(.deferred) { conn in
                try StateDocument.capture(from: conn, schema: schema, files: indexedFiles.map(\.files))
            }
        }
        return try document.encoded()
    }

    public func exportState(to url: URL) throws {
        try exportState().write(to: url, options: .atomic)
    }

    /// Replaces the whole state with an exported document. The document is validated in
    /// full first — format, tables, columns, every constraint, files against their SHA-1 —
    /// in a scratch database; only then are files written and the rows swapped in at
    /// once. A bad document throws `StateImportError` and changes nothing.
    public func importState(_ data: Data) throws {
        let document = try StateDocument.decode(data, schema: schema)
        let scratch = try Database(path: Database.inMemoryPath, migrator: schema.migrator)
        try scratch.write { try document.insert(into: $0, schema: schema) }
        let stores = indexedFiles.map(\.files)
        let labels = Set(stores.map(\.documentLabel))
        if let (index, file) = document.files.enumerated().first(where: { !labels.contains($0.element.plugin) }) {
            throw StateImportError(problem: "files[\(index)] belongs to \(file.plugin.map { "\"\($0)\"" } ?? "no plug-in"), which keeps no files in this state")
        }
        let files = try stores.map { store in
            try store.verifyImport(document.files.filter { $0.plugin == store.documentLabel }, tables: document.tables)
        }
        let previouslyStored = try stores.map { try $0.storedKeys() }
        do {
            try replaceState(withContentsOf: scratch, files: files)
        } catch {
            // The old rows stay; drop only the files this import added.
            for (store, (wanted, stored)) in zip(stores, zip(files, previouslyStored)) {
                for key in Set(wanted.keys).subtracting(stored) { try? store.remove(key) }
            }
            throw error
        }
    }

    public func importState(from url: URL) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard size <= StateLimits.importDocumentMaximumBytes else {
            throw StateImportError(problem: "\(url.path) is \(size) bytes, more than the \(StateLimits.importDocumentMaximumBytes) an import reads")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw StateImportError(problem: "\(url.path) cannot be read (\(error.localizedDescription))")
        }
        try importState(data)
    }
}
