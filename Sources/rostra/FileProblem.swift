import Emulator
import EmulatorState
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a file Rostra must create or write (the state's database, its blob folder, the ready
/// file) cannot be, in words a person can act on: "permission denied: cannot create the
/// folder .rostra in /srv", "not a folder: notes is a file". The errors that arrive from
/// below (Foundation's `NSCocoaErrorDomain … (null)`, SQLite's "unable to open database
/// file") say neither which part of the path is wrong nor why, so the path itself is looked
/// at once an open has failed.
enum FileProblem {
    /// The reason `path` cannot be created or written, looking at each folder on the way to
    /// it: a regular file where a folder must be, a missing folder that cannot be created, a
    /// folder or file that cannot be written. `nil` when the file system shows nothing wrong.
    static func explain(creatingFileAt path: String) -> String? {
        let folder = FileSystem.parent(of: path)
        // The folder must take new entries even when the file exists: SQLite keeps its
        // `-wal` and `-shm` files beside the database.
        if let problem = explain(creatingFolder: folder.isEmpty ? "." : folder) { return problem }
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        if (status.st_mode & S_IFMT) == S_IFDIR { return "not a file: \(path) is a folder" }
        return writeDenial(path).map { "\($0): cannot write \(path)" }
    }

    /// The reason the folder `path` (and any missing parents) cannot be created, or one that
    /// exists cannot be written in; `nil` when nothing is wrong with it.
    static func explain(creatingFolder path: String) -> String? {
        let absolute = path.hasPrefix("/")
        var reached = absolute ? "/" : "."
        for component in path.split(separator: "/") where component != "." {
            let next = reached == "." ? String(component) : FileSystem.join(reached, String(component))
            var status = stat()
            if stat(next, &status) != 0 {
                if errno == EACCES { return "permission denied: cannot look inside \(shown(reached))" }
                // Missing: it would be made in the last folder that exists.
                return writeDenial(reached).map { "\($0): cannot create the folder \(next) in \(shown(reached))" }
            }
            if (status.st_mode & S_IFMT) != S_IFDIR { return "not a folder: \(next) is a file" }
            reached = next
        }
        return writeDenial(reached).map { "\($0): cannot write in the folder \(shown(reached))" }
    }

    /// Whether the error is one of Foundation's file errors (a file or folder that could not
    /// be made, read or written).
    static func isFileError(_ error: any Error) -> Bool {
        let domain = (error as NSError).domain
        return domain == NSCocoaErrorDomain || domain == NSPOSIXErrorDomain
    }

    /// What an error from creating or opening a file says, without Foundation's dump:
    /// `reason: path` for Foundation's file errors, the error itself for the rest.
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if isFileError(error) {
            // The underlying error may be a Swift `POSIXError`, which bridges only as `Error`.
            let underlying = (nsError.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
            let code = nsError.domain == NSPOSIXErrorDomain ? nsError.code : underlying?.domain == NSPOSIXErrorDomain ? underlying?.code : nil
            let reason = code.map { String(cString: strerror(Int32($0))).lowercased() } ?? "cannot write"
            if let path = nsError.userInfo[NSFilePathErrorKey] as? String ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path {
                return "\(reason): \(path)"
            }
            return reason
        }
        return "\(error)"
    }

    /// `nil` when this process may create and remove entries in (or write) `path`; else
    /// the system's reason ("permission denied", "read-only file system").
    private static func writeDenial(_ path: String) -> String? {
        var status = stat()
        let isFolder = stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
        guard access(path, isFolder ? W_OK | X_OK : W_OK) != 0 else { return nil }
        return String(cString: strerror(errno)).lowercased()
    }

    /// A folder as a message names it: the working folder by its full path, since "."
    /// tells a person nothing.
    private static func shown(_ folder: String) -> String {
        guard folder.isEmpty || folder == "." else { return folder }
        return FileManager.default.currentDirectoryPath
    }
}
