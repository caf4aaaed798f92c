import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// An app's `/srv` as one archive and back, with GNU tar (Debian's `tar`): what a Rosti
/// snapshot holds. The platform's backups leave out what can be made again — package
/// caches, compiled Python, logs, sessions, folders marked with `CACHEDIR.TAG`
/// (reference: rosti-containers.md §5) — and so does this.
public struct SnapshotArchiver: Sendable {
    public static let executable = "/usr/bin/tar"
    public static let installCommand = "apt-get install -y tar"

    /// The platform's backup exclusions, as GNU tar patterns (matched against every path in
    /// the archive, `./`-relative; `*` matches `/` too, tar's default for exclusions).
    public static let exclusions = [
        "./.npm", "./.cache/pip", "./.cache/yarn", "./.yarn/cache", "*/node_modules/.cache", "./node_modules/.cache",
        "__pycache__", "*.log", "*/sessions/sess_*", "./*/log/*", "./*/logs/*",
    ]

    private let watcher: ProcessWatcher

    public init(watcher: ProcessWatcher) {
        self.watcher = watcher
    }

    /// What an archive came to.
    public struct Archive: Sendable, Equatable {
        public let bytes: Int64
    }

    /// Writes `folder` (its contents, not the folder itself) to the archive file `destination`,
    /// calling `progress` with the share done (0…1) every `progressInterval`, measured as the
    /// archive's size against the folder's, and `stop` with the same share: when it answers
    /// true, tar is ended there. Throws `SnapshotError` if tar fails or was stopped (`stopped`); the
    /// destination is then removed.
    public func archive(
        _ folder: String, to destination: String, progress: @Sendable (Double) -> Void = { _ in },
        stop: @Sendable (Double) -> Bool = { _ in false }
    ) throws -> Archive {
        let expected = max(Self.size(of: folder), 1)
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            throw SnapshotError(problem: "cannot write \(destination): \(String(cString: strerror(errno)))")
        }
        var command = Command(
            Self.executable,
            ["--create", "--file=-", "--directory=\(folder)", "--exclude-caches-all", "--sparse", "--numeric-owner"]
                + Self.exclusions.map { "--exclude=\($0)" } + ["."],
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"])
        let errors = Self.temporaryFile()
        // tar writes the archive file itself; its size so far is the progress, looked at
        // while tar runs (no byte of it passes through Rostra).
        command.descriptors = [-1, output, errors]
        let child: ChildProcess
        do {
            child = try watcher.spawn(command)
        } catch {
            close(output); close(errors)
            unlink(destination)
            throw SnapshotError(problem: "\(error) — \(Self.installCommand)")
        }
        func written() -> Int64 {
            var info = stat()
            return fstat(output, &info) == 0 ? Int64(info.st_size) : 0
        }
        var stopped = false
        var ended: Termination?
        while true {
            ended = child.wait(timeout: Self.progressInterval)
            // An archive that ends between two looks still reached every share on its way:
            // a stop asked for at any of them is honoured.
            let share = min(Double(written()) / Double(expected), 0.99)
            if !stopped {
                progress(share)
                if stop(share) {
                    stopped = true
                    if ended == nil { child.signal(SIGKILL) }
                }
            }
            if ended != nil { break }
        }
        let synced = fsync(output) == 0
        let written = written()
        close(output)
        let message = Self.readAll(errors)
        if stopped {
            unlink(destination)
            throw SnapshotError(problem: "the archive of \(folder) was stopped after \(written) bytes", stopped: true)
        }
        // 1: a file changed while tar read it — an app that runs writes as it is archived,
        // and a live backup is what the platform takes too; anything else is a failure.
        guard ended == .exited(0) || ended == .exited(1), synced else {
            unlink(destination)
            throw SnapshotError(problem: "cannot archive \(folder): tar \(ended.map { "\($0)" } ?? "?"): \(message)")
        }
        progress(1)
        return Archive(bytes: written)
    }

    /// Replaces the contents of `folder` with the archive's: extracted into a new folder
    /// beside it first, then swapped in by two renames, so a failed extraction leaves the
    /// folder as it was.
    public func restore(_ archive: String, into folder: String) throws {
        try extract(archive, besideFolder: folder).swap()
    }

    /// Extracts the archive into a new folder beside `folder` (`.<name>.restoring-<uuid>`), to be
    /// swapped in by `PreparedRestore.swap()` — the only step that touches `folder`, done
    /// with two renames. `progress` gets the share of the archive tar has read (0…1),
    /// every `progressInterval`; when `stop` answers true, tar is ended and `SnapshotError`
    /// (`stopped`) thrown. As root, the files
    /// go to the owner of `folder` (the app the snapshot is restored into, whatever app it
    /// was taken of); without root they are the caller's.
    public func extract(
        _ archive: String, besideFolder folder: String, progress: @Sendable (Double) -> Void = { _ in },
        stop: @Sendable (Double) -> Bool = { _ in false }
    ) throws -> PreparedRestore {
        let parent = (folder as NSString).deletingLastPathComponent
        let name = (folder as NSString).lastPathComponent
        // Names of their own, so that two restores into one folder do not share a half.
        let unique = UUID().uuidString
        let prepared = PreparedRestore(
            folder: folder, incoming: parent + "/." + name + ".restoring-" + unique, outgoing: parent + "/." + name + ".replaced-" + unique)
        try FileManager.default.createDirectory(atPath: prepared.incoming, withIntermediateDirectories: true)
        // The folder's own owner and mode: the archive holds its contents, not itself.
        var info = stat()
        let owner: (uid_t, gid_t)? = stat(folder, &info) == 0 ? (info.st_uid, info.st_gid) : nil
        if let owner {
            chown(prepared.incoming, owner.0, owner.1)
            chmod(prepared.incoming, info.st_mode & 0o7777)
        }
        var archiveInfo = stat()
        guard stat(archive, &archiveInfo) == 0 else {
            prepared.discard()
            throw SnapshotError(problem: "cannot read \(archive): \(String(cString: strerror(errno)))")
        }
        let expected = max(Int64(archiveInfo.st_size), 1)
        var command = Command(
            Self.executable, ["--extract", "--file=\(archive)", "--directory=\(prepared.incoming)", "--numeric-owner"]
                + (getuid() == 0 ? ["--same-owner", "--same-permissions"] : ["--no-same-owner"]),
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"])
        let errors = Self.temporaryFile()
        command.descriptors = [-1, -1, errors]
        let child: ChildProcess
        do {
            child = try watcher.spawn(command)
        } catch {
            close(errors)
            prepared.discard()
            throw SnapshotError(problem: "\(error) — \(Self.installCommand)")
        }
        // tar reads the archive itself; what it has read so far (/proc/<pid>/io's rchar,
        // nearly all of it the archive) is the progress, looked at while it runs.
        var stopped = false
        var ended: Termination?
        while true {
            ended = child.wait(timeout: Self.progressInterval)
            if ended != nil { break }
            guard !stopped, let read = Self.bytesRead(by: child.pid) else { continue }
            let share = min(Double(read) / Double(expected), 0.99)
            progress(share)
            if stop(share) {
                stopped = true
                child.signal(SIGKILL)
            }
        }
        let message = Self.readAll(errors)
        if stopped {
            prepared.discard()
            throw SnapshotError(problem: "the restore of \(archive) was stopped", stopped: true)
        }
        guard ended == .exited(0) else {
            prepared.discard()
            throw SnapshotError(problem: "cannot restore \(archive): tar \(ended.map { "\($0)" } ?? "?"): \(message)")
        }
        if getuid() == 0, let owner {
            do {
                try HostFiles.changeOwner(prepared.incoming, to: FileOwner(uid: owner.0, gid: owner.1))
            } catch {
                prepared.discard()
                throw SnapshotError(problem: "cannot give the restored files to their app: \(error)")
            }
        }
        progress(1)
        return prepared
    }

    /// How often an extraction's progress is looked at.
    static let progressInterval: Duration = .milliseconds(10)

    /// The bytes a process has read (`rchar` of /proc/<pid>/io), if it can be seen.
    static func bytesRead(by pid: pid_t) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("rchar:") {
            return Int64(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Whether `bytes` look like a tar archive as `archive` writes them (whole 512-byte
    /// records, a ustar header first): checked before an import stores one.
    public static func looksLikeArchive(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty, bytes.count % 512 == 0 else { return false }
        return Array(bytes[257..<262]) == Array("ustar".utf8)
    }

    /// The bytes of the regular files under `folder`: what progress is measured against.
    static func size(of folder: String) -> Int64 {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return 0 }
        var total: Int64 = 0
        var info = stat()
        while let relative = walker.nextObject() as? String {
            if lstat(folder + "/" + relative, &info) == 0, info.st_mode & S_IFMT == S_IFREG { total += Int64(info.st_size) }
        }
        return total
    }

    /// An anonymous file for a child's error output: unlinked at once, gone when closed.
    private static func temporaryFile() -> Int32 {
        var template = Array("/tmp/rostra-tar-XXXXXX".utf8CString)
        let descriptor = mkstemp(&template)
        if descriptor >= 0 {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            unlink(String(cString: template))
        }
        return descriptor
    }

    private static func readAll(_ descriptor: Int32) -> String {
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        lseek(descriptor, 0, SEEK_SET)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = read(descriptor, &buffer, buffer.count), count > 0, bytes.count < 16_384 { bytes += buffer[0..<count] }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A snapshot could not be taken or restored.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    public let problem: String
    /// Ended on the caller's request (`stop`), not by a failure.
    public let stopped: Bool
    public var description: String { problem }

    public init(problem: String, stopped: Bool = false) {
        self.problem = problem
        self.stopped = stopped
    }
}

/// A snapshot's files extracted beside the folder they are to replace
/// (`SnapshotArchiver.extract`): `swap()` puts them in place, `discard()` drops them.
public struct PreparedRestore: Sendable {
    public let folder: String
    let incoming: String
    let outgoing: String

    /// The folder's contents become the archive's: two renames, so a failure leaves the
    /// folder as it was.
    public func swap() throws {
        if FileManager.default.fileExists(atPath: folder) {
            guard rename(folder, outgoing) == 0 else {
                let code = errno
                discard()
                throw SnapshotError(problem: "cannot replace \(folder): \(String(cString: strerror(code)))")
            }
        }
        guard rename(incoming, folder) == 0 else {
            let code = errno
            rename(outgoing, folder)
            discard()
            throw SnapshotError(problem: "cannot replace \(folder): \(String(cString: strerror(code)))")
        }
        try? HostFiles.removeTree(outgoing)
    }

    public func discard() {
        try? HostFiles.removeTree(incoming)
    }
}
