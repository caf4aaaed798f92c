import EmulatorState
import Foundation
import RostiHosting
import Store

/// The snapshots' archives beside the database (`<db>-snapshots/`, `SnapshotStore`), as
/// files of the Rosti plug-in (`RostiStoredFiles`, keys `snapshots/<id>`): exports carry
/// each archive a snapshot row has, imports and resets put them back before the rows
/// arrive, and every archive whose snapshot is not in the new state goes.
public struct SnapshotArchiveFiles: Sendable {
    public let store: SnapshotStore

    static let keyPrefix = "snapshots/"

    static func key(of snapshot: Int64) -> String { "\(keyPrefix)\(snapshot)" }

    /// Whether `key` names a snapshot's archive.
    static func owns(_ key: String) -> Bool { key.hasPrefix(keyPrefix) }

    static func snapshot(inKey key: String) -> Int64? {
        guard owns(key), let snapshot = Int64(key.dropFirst(keyPrefix.count)), key == Self.key(of: snapshot) else { return nil }
        return snapshot
    }

    /// Writes each given archive that is missing or differs in size.
    func restore(_ files: [String: [UInt8]]) throws {
        for (key, bytes) in files {
            guard let snapshot = Self.snapshot(inKey: key), store.size(of: snapshot) != Int64(bytes.count) else { continue }
            do {
                try store.write(bytes, as: snapshot)
            } catch {
                throw StateImportError(problem: "the archive of snapshot \(snapshot) cannot be stored: \(error)")
            }
        }
    }

    func removeAll(except keep: Set<String>) {
        store.removeAll(except: Set(keep.compactMap(Self.snapshot(inKey:))))
    }

    func storedKeys() -> Set<String> { Set(store.storedSnapshots().map(Self.key(of:))) }

    func remove(_ key: String) {
        if let snapshot = Self.snapshot(inKey: key) { store.remove(snapshot) }
    }

    func removeStorage() { store.removeStorage() }

    /// The archive of every snapshot row that has one (a seed's snapshots have none).
    func export(from conn: Connection) throws -> [StateDocument.File] {
        var files: [StateDocument.File] = []
        try conn.forEachRow("SELECT id FROM rosti_snapshots ORDER BY id") { row in
            let snapshot: Int64 = try row["id"]
            guard let bytes = try store.contents(of: snapshot) else { return }
            files.append(StateDocument.File(key: Self.key(of: snapshot), contents: bytes))
        }
        return files
    }

    /// The files keyed `snapshots/<id>`, one at most per snapshot of the document's
    /// `rosti_snapshots`, each a tar archive whose size is its snapshot's `size`.
    func verifyImport(_ files: [StateDocument.File], tables: [String: [StateDocument.Row]]) throws -> [String: [UInt8]] {
        var sizes: [Int64: Int64] = [:]
        for row in tables["rosti_snapshots"] ?? [] {
            guard case .integer(let id)? = row["id"]?.value else { continue }
            if case .integer(let size)? = row["size"]?.value { sizes[id] = size } else { sizes[id] = -1 }
        }
        var accepted: [String: [UInt8]] = [:]
        for (index, file) in files.enumerated() {
            let key = file.key ?? ""
            let label = "files[\(index)] (\(RostiStoredFiles.label) \(key))"
            guard let snapshot = Self.snapshot(inKey: key) else {
                throw StateImportError(problem: "\(label): a Rosti snapshot's archive is keyed \(Self.keyPrefix)<snapshot id>")
            }
            guard let size = sizes[snapshot] else {
                throw StateImportError(problem: "\(label): rosti_snapshots has no snapshot \(snapshot)")
            }
            guard let bytes = file.contents else {
                throw StateImportError(problem: "\(label): base64 is invalid or does not match size \(file.size)")
            }
            guard Int64(bytes.count) == size else {
                throw StateImportError(problem: "\(label): the archive has \(bytes.count) bytes, but snapshot \(snapshot) says size \(size)")
            }
            guard SnapshotArchiver.looksLikeArchive(bytes) else {
                throw StateImportError(problem: "\(label): not a tar archive")
            }
            guard accepted.updateValue(bytes, forKey: key) == nil else {
                throw StateImportError(problem: "\(label): listed twice")
            }
        }
        return accepted
    }
}
