import EmulatorState
import Foundation
import RostiHosting
import Store

/// The Rosti apps' folders beside the database (`<db>-apps/`, or a temporary folder for a
/// throwaway state): each app's `/srv` and its sshd host keys, which exports carry as one
/// tar archive per app (key `apps/<id>` among the "rosti" files, `RostiStoredFiles`) and
/// imports and resets put back — with the app's container ended first, since it runs on the
/// folder. Its keys are `apps/<id>` throughout.
public struct AppFolderFiles: Sendable {
    public let space: AppSpace

    static let keyPrefix = "apps/"

    /// The key of an app's folder.
    static func key(of app: Int64) -> String { "\(keyPrefix)\(app)" }

    /// Whether `key` names an app's folder (the other "rosti" files are storages' dumps).
    static func owns(_ key: String) -> Bool { key.hasPrefix(keyPrefix) }

    /// The app a key is for.
    static func app(inKey key: String) -> Int64? {
        guard owns(key), let app = Int64(key.dropFirst(keyPrefix.count)), key == Self.key(of: app) else { return nil }
        return app
    }

    /// Unpacks the given archives beside the live folders; they replace the apps' folders
    /// in `removeAll(except:)`, once the rows are in.
    func restore(_ files: [String: [UInt8]]) throws {
        space.discardStaged()
        for (key, archive) in files {
            guard let app = Self.app(inKey: key) else { continue }
            do {
                try space.stage(app, archive: archive)
            } catch {
                space.discardStaged()
                throw StateImportError(problem: "the archive of app \(app) cannot be unpacked: \(error)")
            }
        }
    }

    /// Every app folder goes but those being restored, which replace the live ones: the
    /// state's apps start as the new state has them.
    func removeAll(except keep: Set<String>) throws {
        try space.replaceFolders(keeping: Set(keep.compactMap(Self.app(inKey:))))
    }

    func storedKeys() throws -> Set<String> { Set(space.storedApps().map(Self.key(of:))) }

    func remove(_ key: String) throws {
        guard let app = Self.app(inKey: key) else { return }
        space.discardStaged()
        try space.removeApp(app)
    }

    func removeStorage() { space.remove() }

    func export(from conn: Connection) throws -> [StateDocument.File] {
        var files: [StateDocument.File] = []
        try conn.forEachRow("SELECT id FROM rosti_apps ORDER BY id") { row in
            let app: Int64 = try row["id"]
            guard let archive = try space.archive(app) else { return }
            files.append(StateDocument.File(key: Self.key(of: app), contents: archive))
        }
        return files
    }

    /// The files keyed `apps/<id>`, checked, one at most per app of the document's
    /// `rosti_apps`; an app without one starts with an empty folder.
    func verifyImport(_ files: [StateDocument.File], tables: [String: [StateDocument.Row]]) throws -> [String: [UInt8]] {
        let apps = Set((tables["rosti_apps"] ?? []).compactMap { row -> Int64? in
            guard case .integer(let id)? = row["id"]?.value else { return nil }
            return id
        })
        var accepted: [String: [UInt8]] = [:]
        for (index, file) in files.enumerated() {
            let key = file.key ?? ""
            let label = "files[\(index)] (\(RostiStoredFiles.label) \(key))"
            guard let app = Self.app(inKey: key) else {
                throw StateImportError(problem: "\(label): a Rosti app's archive is keyed \(Self.keyPrefix)<app id>")
            }
            guard apps.contains(app) else {
                throw StateImportError(problem: "\(label): rosti_apps has no app \(app)")
            }
            guard let bytes = file.contents else {
                throw StateImportError(problem: "\(label): base64 is invalid or does not match size \(file.size)")
            }
            do {
                try space.checkArchive(bytes)
            } catch {
                throw StateImportError(problem: "\(label): \(error)")
            }
            guard accepted.updateValue(bytes, forKey: key) == nil else {
                throw StateImportError(problem: "\(label): listed twice")
            }
        }
        return accepted
    }
}
