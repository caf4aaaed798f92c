import EmulatorState
import Foundation
import RostiHosting
import Store

/// The Rosti apps' folders beside the database (`<db>-apps/`, or a temporary folder for a
/// throwaway state): each app's `/srv` and its sshd host keys, which exports carry as one
/// tar archive per app (`rosti/apps/<id>.tar`) and imports and resets put back — with the
/// app's container ended first, since it runs on the folder.
public struct RostiStoredFiles: StateFiles {
    public let space: AppSpace

    /// The name an app's archive has in an export document.
    static func fileName(of app: Int64) -> String { "\(namePrefix)\(app).tar" }
    static let namePrefix = "rosti/apps/"

    /// The app an archive's name (or a restore key) is for.
    static func app(inFileName name: String) -> Int64? {
        guard name.hasPrefix(namePrefix), name.hasSuffix(".tar") else { return nil }
        return Int64(name.dropFirst(namePrefix.count).dropLast(4))
    }

    /// Unpacks the given archives beside the live folders; they replace the apps' folders
    /// in `removeAll(except:)`, once the rows are in.
    public func restore(_ files: [String: [UInt8]]) throws {
        space.discardStaged()
        for (key, archive) in files {
            guard let app = Int64(key) else { continue }
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
    public func removeAll(except keep: Set<String>) throws {
        try space.replaceFolders(keeping: Set(keep.compactMap { Int64($0) }))
    }

    public func storedKeys() throws -> Set<String> { Set(space.storedApps().map(String.init)) }

    public func remove(_ key: String) throws {
        guard let app = Int64(key) else { return }
        space.discardStaged()
        try space.removeApp(app)
    }

    public func removeStorage() { space.remove() }

    public func export(from conn: Connection) throws -> [StateDocument.File] {
        var files: [StateDocument.File] = []
        try conn.forEachRow("SELECT id FROM rosti_apps ORDER BY id") { row in
            let app: Int64 = try row["id"]
            guard let archive = try space.archive(app) else { return }
            files.append(StateDocument.File(
                sha1: SHA1.hexDigest(of: archive), size: Int64(archive.count), base64: Data(archive).base64EncodedString(),
                name: Self.fileName(of: app)))
        }
        return files
    }

    /// The files named `rosti/apps/<id>.tar`, checked, one at most per app of the document's
    /// `rosti_apps`; an app without one starts with an empty folder.
    public func verifyImport(_ files: [StateDocument.File], tables: [String: [StateDocument.Row]]) throws -> ClaimedFiles {
        let apps = Set((tables["rosti_apps"] ?? []).compactMap { row -> Int64? in
            guard case .integer(let id)? = row["id"]?.value else { return nil }
            return id
        })
        var claimed = ClaimedFiles()
        for (index, file) in files.enumerated() {
            guard let name = file.name, name.hasPrefix(Self.namePrefix) else { continue }
            let label = "files[\(index)] (\(name))"
            guard let app = Self.app(inFileName: name) else {
                throw StateImportError(problem: "\(label): a Rosti app's archive is named \(Self.namePrefix)<app id>.tar")
            }
            guard apps.contains(app) else {
                throw StateImportError(problem: "\(label): rosti_apps has no app \(app)")
            }
            let bytes = try file.verifiedContents(label: label)
            do {
                try space.checkArchive(bytes)
            } catch {
                throw StateImportError(problem: "\(label): \(error)")
            }
            guard claimed.contents.updateValue(bytes, forKey: String(app)) == nil else {
                throw StateImportError(problem: "\(label): listed twice")
            }
            claimed.indexes.insert(index)
        }
        return claimed
    }
}

extension StateStore {
    /// The Rosti apps' folders and containers of this state.
    public var appSpace: AppSpace { files(RostiStoredFiles.self).space }
}
