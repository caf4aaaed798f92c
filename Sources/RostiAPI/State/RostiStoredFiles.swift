import EmulatorState
import RostiHosting
import Store

/// Everything the Rosti API keeps beside its database, as the one `StateFiles` of its
/// plug-in: the apps' folders (`AppFolderFiles`, keys `apps/<id>`) and the storages'
/// databases (`StorageDatabases`, keys the storages' ids). In an export document both are
/// files labelled "rosti"; each key says which part a file belongs to.
public struct RostiStoredFiles: StateFiles {
    static let label = "rosti"

    public let apps: AppFolderFiles
    let storages: StorageDatabases

    public init(apps: AppFolderFiles) {
        self.apps = apps
        self.storages = StorageDatabases()
    }

    public var documentLabel: String? { Self.label }

    /// The part of `files` (by key) that are the apps' folders, and the rest.
    private static func split<Value>(_ files: [String: Value]) -> (apps: [String: Value], storages: [String: Value]) {
        var apps: [String: Value] = [:]
        var storages: [String: Value] = [:]
        for (key, value) in files {
            if AppFolderFiles.owns(key) { apps[key] = value } else { storages[key] = value }
        }
        return (apps, storages)
    }

    public func restore(_ files: [String: [UInt8]]) throws {
        let (appFiles, storageFiles) = Self.split(files)
        try apps.restore(appFiles)
        try storages.restore(storageFiles)
    }

    public func removeAll(except keep: Set<String>) throws {
        try apps.removeAll(except: keep.filter(AppFolderFiles.owns))
        try storages.removeAll(except: keep.filter { !AppFolderFiles.owns($0) })
    }

    public func storedKeys() throws -> Set<String> {
        try apps.storedKeys().union(storages.storedKeys())
    }

    public func remove(_ key: String) throws {
        if AppFolderFiles.owns(key) { try apps.remove(key) } else { try storages.remove(key) }
    }

    public func removeStorage() {
        apps.removeStorage()
        storages.removeStorage()
    }

    public func prepareExport() throws {
        try storages.prepareExport()
    }

    public func export(from conn: Connection) throws -> [StateDocument.File] {
        try storages.export(from: conn) + apps.export(from: conn)
    }

    public func verifyImport(_ files: [StateDocument.File], tables: [String: [StateDocument.Row]]) throws -> [String: [UInt8]] {
        let appFiles = files.filter { $0.key.map(AppFolderFiles.owns) ?? false }
        let storageFiles = files.filter { !($0.key.map(AppFolderFiles.owns) ?? false) }
        let storageContents = try storages.verifyImport(storageFiles, tables: tables)
        return try apps.verifyImport(appFiles, tables: tables).merging(storageContents) { first, _ in first }
    }
}

extension StateStore {
    /// The Rosti apps' folders and containers of this state.
    public var appSpace: AppSpace { files(RostiStoredFiles.self).apps.space }
}
