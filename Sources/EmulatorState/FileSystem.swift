import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few file-system calls on the start-up path, straight on POSIX.
///
/// Foundation's `FileManager` and `URL` do the same, but their first use in a process
/// costs far more than the calls: `URL.appendingPathComponent`, `contentsOfDirectory` and
/// `createDirectory` were together about 1.5 ms of the 10 ms from exec to the first
/// answer (page faults into Foundation, generic metadata, conformance lookups; see
/// docs/performance.md). Later code paths may use Foundation freely.
public enum FileSystem {
    /// Whether anything exists at `path` (following symbolic links).
    public static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    /// The names in a folder, without `.` and `..`; nil if it cannot be read.
    public static func entryNames(in path: String) -> [String]? {
        guard let folder = opendir(path) else { return nil }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates a folder and any missing parents (as `mkdir -p`); one that exists is fine.
    public static func createDirectories(_ path: String) throws {
        if path.isEmpty || isDirectory(path) { return }
        let parent = parent(of: path)
        if !parent.isEmpty { try createDirectories(parent) }
        if mkdir(path, 0o755) != 0 && !(errno == EEXIST && isDirectory(path)) {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// The folder a path is in ("" for a bare name), as `dirname` without the ".".
    public static func parent(of path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }

    /// `folder/name`, without Foundation's URL machinery.
    public static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
