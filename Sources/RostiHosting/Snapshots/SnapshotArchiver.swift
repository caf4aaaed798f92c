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
    /// calling `progress` with the share done (0…1) as bytes go out, measured against the
    /// folder's size. Throws `SnapshotError` if tar fails; the destination is then removed.
    public func archive(
        _ folder: String, to destination: String, progress: @Sendable (Double) -> Void = { _ in }
    ) throws -> Archive {
        let expected = max(Self.size(of: folder), 1)
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw SnapshotError(problem: "no pipe: \(String(cString: strerror(errno)))") }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            close(ends[0]); close(ends[1])
            throw SnapshotError(problem: "cannot write \(destination): \(String(cString: strerror(errno)))")
        }
        var command = Command(
            Self.executable,
            ["--create", "--file=-", "--directory=\(folder)", "--exclude-caches-all", "--sparse", "--numeric-owner"]
                + Self.exclusions.map { "--exclude=\($0)" } + ["."],
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"])
        let errors = Self.temporaryFile()
        command.descriptors = [-1, ends[1], errors]
        let child: ChildProcess
        do {
            child = try watcher.spawn(command)
        } catch {
            close(ends[0]); close(ends[1]); close(output); close(errors)
            unlink(destination)
            throw SnapshotError(problem: "\(error) — \(Self.installCommand)")
        }
        close(ends[1])
        var written: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var writeFailure: Int32 = 0
        while true {
            let count = read(ends[0], &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            if writeFailure == 0 {
                var offset = 0
                while offset < count {
                    let done = buffer[offset..<count].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
                    if done < 0 { writeFailure = errno; break }
                    offset += done
                }
                written += Int64(count)
                progress(min(Double(written) / Double(expected), 0.99))
            }
        }
        close(ends[0])
        let synced = fsync(output) == 0
        close(output)
        let ended = child.wait()
        let message = Self.readAll(errors)
        guard ended == .exited(0), writeFailure == 0, synced else {
            unlink(destination)
            let why = writeFailure != 0 ? String(cString: strerror(writeFailure)) : "tar \(ended.map { "\($0)" } ?? "?"): \(message)"
            throw SnapshotError(problem: "cannot archive \(folder): \(why)")
        }
        progress(1)
        return Archive(bytes: written)
    }

    /// Replaces the contents of `folder` with the archive's: extracted into a new folder
    /// beside it first, then swapped in by two renames, so a failed extraction leaves the
    /// folder as it was.
    public func restore(_ archive: String, into folder: String) throws {
        let parent = (folder as NSString).deletingLastPathComponent
        let name = (folder as NSString).lastPathComponent
        let incoming = parent + "/." + name + ".restoring"
        let outgoing = parent + "/." + name + ".replaced"
        try? FileManager.default.removeItem(atPath: incoming)
        try? FileManager.default.removeItem(atPath: outgoing)
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        // The folder's own owner and mode: the archive holds its contents, not itself.
        var info = stat()
        if stat(folder, &info) == 0 {
            chown(incoming, info.st_uid, info.st_gid)
            chmod(incoming, info.st_mode & 0o7777)
        }
        var command = Command(
            Self.executable, ["--extract", "--file=\(archive)", "--directory=\(incoming)", "--numeric-owner"]
                + (getuid() == 0 ? ["--same-owner", "--same-permissions"] : ["--no-same-owner"]),
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"])
        let errors = Self.temporaryFile()
        command.descriptors = [-1, -1, errors]
        let ended: Termination?
        do {
            ended = try watcher.spawn(command).wait()
        } catch {
            close(errors)
            try? FileManager.default.removeItem(atPath: incoming)
            throw SnapshotError(problem: "\(error) — \(Self.installCommand)")
        }
        let message = Self.readAll(errors)
        guard ended == .exited(0) else {
            try? FileManager.default.removeItem(atPath: incoming)
            throw SnapshotError(problem: "cannot restore \(archive): tar \(ended.map { "\($0)" } ?? "?"): \(message)")
        }
        if FileManager.default.fileExists(atPath: folder) {
            guard rename(folder, outgoing) == 0 else {
                try? FileManager.default.removeItem(atPath: incoming)
                throw SnapshotError(problem: "cannot replace \(folder): \(String(cString: strerror(errno)))")
            }
        }
        guard rename(incoming, folder) == 0 else {
            let code = errno
            rename(outgoing, folder)
            throw SnapshotError(problem: "cannot replace \(folder): \(String(cString: strerror(code)))")
        }
        try? FileManager.default.removeItem(atPath: outgoing)
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
    public var description: String { problem }
}
