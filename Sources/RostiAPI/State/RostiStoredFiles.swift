import EmulatorState
import RostiHosting
import Store

/// Everything the Rosti API keeps beside its database, as the one `StateFiles` of its
/// plug-in: the apps' folders (`AppFolderFiles`, keys `apps/<id>`), the snapshots' archives
/// (`SnapshotArchiveFiles`, keys `snapshots/<id>`) and the storages' databases
/// (`StorageDatabases`, keys the storages' ids). In an export document all are files
/// labelled "rosti"; each key says which part a file belongs to.
public struct RostiStoredFiles: StateFiles {
    static let label = "rosti"

    public let apps: AppFolderFiles
    public let snapshots: SnapshotArchiveFiles
    let storages: StorageDatabases

    public init(apps: AppFolderFiles, snapshots: SnapshotArchiveFiles) {
        self.apps = apps
        self.snapshots = snapshots
        self.storages = StorageDatabases()
    }

    public var documentLabel: String? { Self.label }

    /// Which part a key belongs to: the apps' folders, the snapshots' archives, or else the
    /// storages' dumps (keyed by bare storage ids).
    private enum Part { case apps, snapshots, storages }

    private static func part(of key: String) -> Part {
        if AppFolderFiles.owns(key) { return .apps }
        if SnapshotArchiveFiles.owns(key) { return .snapshots }
        return .storages
    }

    private static func keys(_ keys: Set<String>, of part: Part) -> Set<String> { keys.filter { Self.part(of: $0) == part } }

    private static func files<Value>(_ files: [String: Value], of part: Part) -> [String: Value] {
        files.filter { Self.part(of: $0.key) == part }
    }

    public func restore(_ files: [String: [UInt8]]) throws {
        try apps.restore(Self.files(files, of: .apps))
        try snapshots.restore(Self.files(files, of: .snapshots))
        try storages.restore(Self.files(files, of: .storages))
    }

    public func removeAll(except keep: Set<String>) throws {
        try apps.removeAll(except: Self.keys(keep, of: .apps))
        snapshots.removeAll(except: Self.keys(keep, of: .snapshots))
        try storages.removeAll(except: Self.keys(keep, of: .storages))
    }

    public func storedKeys() throws -> Set<String> {
        try apps.storedKeys().union(snapshots.storedKeys()).union(storages.storedKeys())
    }

    public func remove(_ key: String) throws {
        switch Self.part(of: key) {
        case .apps: try apps.remove(key)
        case .snapshots: snapshots.remove(key)
        case .storages: try storages.remove(key)
        }
    }

    public func removeStorage() {
        apps.removeStorage()
        snapshots.removeStorage()
        storages.removeStorage()
    }

    public func prepareExport() throws {
        try storages.prepareExport()
    }

    public func export(from conn: Connection) throws -> [StateDocument.File] {
        try storages.export(from: conn) + apps.export(from: conn) + snapshots.export(from: conn)
    }

    public func verifyImport(_ files: [StateDocument.File], tables: [String: [StateDocument.Row]]) throws -> [String: [UInt8]] {
        let part = { (file: StateDocument.File) in Self.part(of: file.key ?? "") }
        let storageContents = try storages.verifyImport(files.filter { part($0) == .storages }, tables: tables)
        let snapshotContents = try snapshots.verifyImport(files.filter { part($0) == .snapshots }, tables: tables)
        return try apps.verifyImport(files.filter { part($0) == .apps }, tables: tables)
            .merging(storageContents) { first, _ in first }
            .merging(snapshotContents) { first, _ in first }
    }
}

extension StateStore {
    /// The Rosti apps' folders and containers of this state.
    public var appSpace: AppSpace { files(RostiStoredFiles.self).apps.space }
}
