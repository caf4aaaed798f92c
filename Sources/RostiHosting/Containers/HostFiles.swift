import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A host uid and gid that files of an app's folder get, when Rostra runs as root and the
/// app's sandbox as a uid of its own.
struct FileOwner: Sendable, Equatable {
    let uid: uid_t
    let gid: gid_t
}

/// A failure of a file operation on the host, with the path and the reason.
public struct HostFileError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let code: Int32

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

/// File operations on an app's folder. None follows a symbolic link at the last component:
/// as root, Rostra writes into folders whose other contents an app's own processes made, and
/// a link planted there must not redirect a write.
enum HostFiles {
    /// A folder with `mode` (and `owner`), made if missing; an existing one that is a link or
    /// a file is refused.
    static func makeDirectory(_ path: String, mode: mode_t, owner: FileOwner?) throws(HostFileError) {
        if mkdir(path, mode) != 0 && errno != EEXIST { throw HostFileError(operation: "mkdir", path: path, code: errno) }
        var status = stat()
        guard lstat(path, &status) == 0 else { throw HostFileError(operation: "lstat", path: path, code: errno) }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw HostFileError(operation: "mkdir", path: path, code: ENOTDIR) }
        if status.st_mode & 0o7777 != mode, chmod(path, mode) != 0 { throw HostFileError(operation: "chmod", path: path, code: errno) }
        if let owner, status.st_uid != owner.uid || status.st_gid != owner.gid, lchown(path, owner.uid, owner.gid) != 0 {
            throw HostFileError(operation: "chown", path: path, code: errno)
        }
    }

    /// Writes `bytes` to `path` in one step (a new file renamed over it), with `mode` and `owner`.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t, owner: FileOwner?) throws(HostFileError) {
        let temporary = path + ".rostra-new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw HostFileError(operation: "create", path: temporary, code: errno) }
        var failure: HostFileError?
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = HostFileError(operation: "write", path: temporary, code: errno)
                break
            }
            offset += written
        }
        if failure == nil, fchmod(descriptor, mode) != 0 { failure = HostFileError(operation: "chmod", path: temporary, code: errno) }
        if failure == nil, let owner, fchown(descriptor, owner.uid, owner.gid) != 0 {
            failure = HostFileError(operation: "chown", path: temporary, code: errno)
        }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = HostFileError(operation: "rename", path: path, code: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }

    static func write(_ text: String, to path: String, mode: mode_t, owner: FileOwner?) throws(HostFileError) {
        try write(Array(text.utf8), to: path, mode: mode, owner: owner)
    }

    /// A symbolic link at `path` to `target`, replacing what was there.
    static func link(_ path: String, to target: String, owner: FileOwner?) throws(HostFileError) {
        unlink(path)
        guard symlink(target, path) == 0 else { throw HostFileError(operation: "symlink", path: path, code: errno) }
        if let owner { lchown(path, owner.uid, owner.gid) }
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// The owner of `path` itself (a link is not followed).
    static func owner(of path: String) -> FileOwner? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return FileOwner(uid: status.st_uid, gid: status.st_gid)
    }

    /// Where the symbolic link `path` points, or nil when it is not one.
    static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length >= 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes `path` and everything under it. A folder the app made unreadable or
    /// unwritable (mode 000) is opened up first, which as its owner Rostra may do; links are
    /// removed, never followed.
    static func removeTree(_ path: String) throws(HostFileError) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return }
            throw HostFileError(operation: "lstat", path: path, code: errno)
        }
        if status.st_mode & S_IFMT != S_IFDIR {
            if unlink(path) != 0 && errno != ENOENT { throw HostFileError(operation: "unlink", path: path, code: errno) }
            return
        }
        if status.st_mode & 0o700 != 0o700 { chmod(path, status.st_mode & 0o7777 | 0o700) }
        guard let directory = opendir(path) else { throw HostFileError(operation: "opendir", path: path, code: errno) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
        for name in names { try removeTree(path + "/" + name) }
        if rmdir(path) != 0 && errno != ENOENT { throw HostFileError(operation: "rmdir", path: path, code: errno) }
    }

    /// Gives `path` and everything under it to `owner`, links themselves included and never
    /// followed.
    static func changeOwner(_ path: String, to owner: FileOwner) throws(HostFileError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { throw HostFileError(operation: "lstat", path: path, code: errno) }
        if status.st_uid != owner.uid || status.st_gid != owner.gid, lchown(path, owner.uid, owner.gid) != 0 {
            throw HostFileError(operation: "chown", path: path, code: errno)
        }
        guard status.st_mode & S_IFMT == S_IFDIR, let directory = opendir(path) else { return }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
        for name in names { try changeOwner(path + "/" + name, to: owner) }
    }

    /// The last `count` lines of a (log) file, for messages.
    static func lastLines(of path: String, count: Int) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > 4096 ? size - 4096 : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        return Array(lines.suffix(count))
    }
}

/// A pipe whose ends close on exec (children get only the descriptors their `Command`
/// maps); nil with errno set on failure.
func makePipe() -> (read: Int32, write: Int32)? {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { return nil }
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    return (ends[0], ends[1])
}
