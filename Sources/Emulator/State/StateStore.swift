import Foundation
import Store

/// Everything the emulator remembers — both APIs' rows in SQLite, Rosa's file bytes in a
/// blob folder — with reset to the seed, export and import.
///
/// No global state: every store owns its database, blob folder and seed reference, so two
/// stores (two servers, or tenants) in one process never see each other.
public final class StateStore: Sendable {
    public enum Location: Sendable, Equatable, CustomStringConvertible {
        /// A database file; its blobs live in `<path>-blobs/` beside it.
        case file(String)
        /// A throwaway database in memory with blobs in a temporary folder, both gone
        /// when the store is released.
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

        var blobDirectory: URL? {
            guard case .file(let path) = self else { return nil }
            return URL(fileURLWithPath: path + "-blobs", isDirectory: true)
        }
    }

    public let location: Location
    public let seed: Seed
    /// The emulator's tables (see `StateSchema`); API modules query through it.
    public let database: Database
    /// Rosa's file contents, by SHA-1.
    public let blobs: BlobStore
    /// True when this open created and seeded the database (first start or `reseed`).
    public let wasSeeded: Bool

    /// Opens the state at `location`, seeding it from the folder `seedDirectory` when it
    /// is new or `reseed` is set. Convenience for `init(location:seed:reseed:)`.
    ///
    /// An existing file that is reused needs the seed only for a later reset, so the seed is
    /// then read and checked when first needed (`seed.waitUntilLoaded()` does it and reports
    /// a broken one) and opening takes about a millisecond instead of several.
    public convenience init(location: Location = .default, seedDirectory: URL, reseed: Bool = false) throws {
        var reusesExistingFile = false
        if case .file(let path) = location, !reseed { reusesExistingFile = FileSystem.exists(path) }
        let seed = reusesExistingFile ? Seed.loadWhenNeeded(from: seedDirectory) : try Seed.load(from: seedDirectory)
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
            blobs = try BlobStore.temporary()
            wasSeeded = true
        case .file(let path):
            let isNew = !FileSystem.exists(path)
            let blobDirectory = location.blobDirectory!
            let blobsExisted = FileSystem.exists(blobDirectory.path)
            do {
                try FileSystem.createDirectories(FileSystem.parent(of: path))
                database = try Database(path: path, migrator: StateSchema.migrator)
                blobs = try BlobStore(directory: blobDirectory)
                wasSeeded = isNew || reseed
            } catch {
                if isNew { Self.removeDatabaseFiles(at: path, blobDirectory: blobsExisted ? nil : blobDirectory) }
                throw error
            }
            guard wasSeeded else { return }
            do {
                try reset()
            } catch {
                if isNew { Self.removeDatabaseFiles(at: path, blobDirectory: blobsExisted ? nil : blobDirectory) }
                throw error
            }
            return
        }
        try reset()
    }

    private static func removeDatabaseFiles(at path: String, blobDirectory: URL?) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        if let blobDirectory { try? FileManager.default.removeItem(at: blobDirectory) }
    }

    // MARK: Reset

    /// Puts every table and stored file back as the seed has them, without a restart.
    ///
    /// One page copy of the seed's template (the sqlite3 backup API) replaces the whole
    /// database atomically; then blobs the seed does not have are deleted and seed blobs
    /// that went missing are written again. Both happen under the writer lock, so an API
    /// write that checks `blobs.contains` inside `database.write` never races a reset.
    public func reset() throws {
        try replaceState(withContentsOf: seed.template, keepingBlobs: seed.fileHashes) {
            for (sha1, contents) in try seed.fileContents where try blobs.size(of: sha1) != Int64(contents.count) {
                try blobs.write(contents)
            }
        }
    }

    /// Copies `source` over the live database under the writer lock; `prepareBlobs` runs
    /// first (so rows never point at missing files), unreferenced blobs go afterwards.
    func replaceState(
        withContentsOf source: Database, keepingBlobs keep: Set<String>, prepareBlobs: () throws -> Void
    ) throws {
        try database.writeWithoutTransaction { live in
            try prepareBlobs()
            // The source is only read; its exclusive (writer) access is simply the way to
            // hold its single in-memory connection without starting a transaction, which
            // the backup API does not want on either side.
            try source.writeWithoutTransaction { try live.replaceContents(with: $0) }
            try blobs.removeAll(except: keep)
        }
    }

    // MARK: Export and import

    /// The whole state as one portable JSON document (format `StateDocument.formatName`):
    /// every table's rows, AUTOINCREMENT counters, and every stored file base64-encoded.
    public func exportState() throws -> Data {
        // Under the writer lock so no write lands between reading rows and reading files.
        let document = try database.writeWithoutTransaction { conn in
            try conn.inTransaction(.deferred) { conn in try StateDocument.capture(from: conn, blobs: blobs) }
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
        let document = try StateDocument.decode(data)
        let scratch = try Database(path: Database.inMemoryPath, migrator: StateSchema.migrator)
        try scratch.write { try document.insert(into: $0) }
        let files = try document.verifiedFiles()
        let previouslyStored = try blobs.storedHashes()
        do {
            try replaceState(withContentsOf: scratch, keepingBlobs: Set(files.keys)) {
                for (sha1, contents) in files where try blobs.size(of: sha1) != Int64(contents.count) {
                    try blobs.write(contents)
                }
            }
        } catch {
            // The old rows stay; drop only the files this import added.
            for sha1 in Set(files.keys).subtracting(previouslyStored) { try? blobs.remove(sha1) }
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
