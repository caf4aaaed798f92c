import Foundation
import Primitives

#if canImport(Glibc)
import Glibc
#endif

/// The snapshots' archives of one emulator state, as files beside the database
/// (`<db>-snapshots/<id>.tar`, beside Rosa's `<db>-blobs/`), or in a temporary folder for a
/// throwaway state, removed with it. An archive appears under its snapshot's id only when
/// complete: it is written as `.incoming-…` and renamed (`commit`), so a reader — a restore,
/// an export — never sees half of one, and a crash leaves only an incoming file, which the
/// store removes when it is next opened.
///
/// Jobs that restore into a new app unpack the archive into a staging folder of the store
/// first (`stagingFolder(forJob:)`); the app's folder takes it once the app exists.
public final class SnapshotStore: Sendable {
    public enum Location: Sendable, Equatable {
        case folder(String)
        /// Under the system's temporary folder, made on first use, removed with the store.
        case temporary
    }

    public let location: Location
    private let path: String
    private let made = AdaptiveMutex<Bool>(false)

    static let incomingPrefix = ".incoming-"
    static let stagingFolderName = ".staging"
    static let archiveSuffix = ".tar"

    public init(location: Location) {
        self.location = location
        switch location {
        case .folder(let folder): path = folder
        case .temporary: path = NSTemporaryDirectory() + "/rostra-snapshots-\(getpid())-\(UUID().uuidString)"
        }
    }

    deinit {
        if location == .temporary && made.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The store's folder, made if missing; the first time, the incoming archives an earlier
    /// process left half-written go. Staged folders stay: their jobs' scheduler decides
    /// (`JobWork.landNewApps`).
    public func root() throws -> String {
        try made.withLock { made in
            if !made {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                for name in names where name.hasPrefix(Self.incomingPrefix) {
                    try? FileManager.default.removeItem(atPath: path + "/" + name)
                }
                made = true
            } else if !FileManager.default.fileExists(atPath: path) {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            return path
        }
    }

    private var existingRoot: String? {
        FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Where the archive of `snapshot` is, if it has one.
    public func archive(of snapshot: Int64) -> String? {
        guard let root = existingRoot else { return nil }
        let file = root + "/\(snapshot)" + Self.archiveSuffix
        return FileManager.default.fileExists(atPath: file) ? file : nil
    }

    /// The size in bytes of the archive of `snapshot`, if it has one.
    public func size(of snapshot: Int64) -> Int64? {
        guard let file = archive(of: snapshot) else { return nil }
        var info = stat()
        return stat(file, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// A new file name in the store's folder to write the archive of `snapshot` to, before
    /// `commit` puts it in place.
    public func incomingFile(for snapshot: Int64) throws -> String {
        try root() + "/" + Self.incomingPrefix + "\(snapshot)-\(UUID().uuidString)" + Self.archiveSuffix
    }

    /// A new empty folder in the store's folder for a moment's use (an app without files is
    /// archived from it); like an incoming archive, one a crash leaves goes at the next opening.
    public func scratchFolder() throws -> String {
        let folder = try root() + "/" + Self.incomingPrefix + "folder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return folder
    }

    /// Puts a complete archive (written to `incomingFile(for:)`, already synced) in place as
    /// the archive of `snapshot`, replacing any it had.
    public func commit(_ incoming: String, as snapshot: Int64) throws {
        let root = try root()
        guard rename(incoming, root + "/\(snapshot)" + Self.archiveSuffix) == 0 else {
            throw SnapshotError(problem: "cannot store the archive of snapshot \(snapshot): \(String(cString: strerror(errno)))")
        }
        // The new name reaches the disk only when its folder is synced.
        let folder = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }

    /// Writes `bytes` as the archive of `snapshot` (an import), through an incoming file.
    public func write(_ bytes: [UInt8], as snapshot: Int64) throws {
        let incoming = try incomingFile(for: snapshot)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: incoming))
            let descriptor = open(incoming, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 {
                fsync(descriptor)
                close(descriptor)
            }
            try commit(incoming, as: snapshot)
        } catch {
            unlink(incoming)
            throw error
        }
    }

    /// The archive's bytes (an export), if the snapshot has one.
    public func contents(of snapshot: Int64) throws -> [UInt8]? {
        guard let file = archive(of: snapshot) else { return nil }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    /// The snapshots that have an archive now.
    public func storedSnapshots() -> Set<Int64> {
        guard let root = existingRoot, let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return [] }
        return Set(names.compactMap { name in
            name.hasSuffix(Self.archiveSuffix) ? Int64(name.dropLast(Self.archiveSuffix.count)) : nil
        })
    }

    /// Frees the bytes of `snapshot`'s archive, if it has one.
    public func remove(_ snapshot: Int64) {
        guard let root = existingRoot else { return }
        unlink(root + "/\(snapshot)" + Self.archiveSuffix)
    }

    /// Every archive goes but those of `keep`.
    public func removeAll(except keep: Set<Int64>) {
        for snapshot in storedSnapshots() where !keep.contains(snapshot) { remove(snapshot) }
    }

    /// Everything goes, folder included (a throwaway state's end, a deleted tenant).
    public func removeStorage() {
        try? FileManager.default.removeItem(atPath: path)
    }

    // MARK: Staging (restores into a new app)

    /// A folder of the store for the files of a job's new app until the app exists
    /// (`<store>/.staging/job-<id>`); its parent is made, the folder itself is not.
    public func stagingFolder(forJob job: Int64) throws -> String {
        let staging = try root() + "/" + Self.stagingFolderName
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return staging + "/job-\(job)"
    }

    /// The staged folder of `job`, if there is one.
    public func stagedFolder(ofJob job: Int64) -> String? {
        guard let root = existingRoot else { return nil }
        let folder = root + "/" + Self.stagingFolderName + "/job-\(job)"
        return FileManager.default.fileExists(atPath: folder) ? folder : nil
    }

    /// The jobs that have a staged folder.
    public func stagedJobs() -> Set<Int64> {
        guard let root = existingRoot,
            let names = try? FileManager.default.contentsOfDirectory(atPath: root + "/" + Self.stagingFolderName)
        else { return [] }
        return Set(names.compactMap { $0.hasPrefix("job-") ? Int64($0.dropFirst(4)) : nil })
    }

    public func discardStaged(job: Int64) {
        if let folder = stagedFolder(ofJob: job) { try? FileManager.default.removeItem(atPath: folder) }
    }
}
