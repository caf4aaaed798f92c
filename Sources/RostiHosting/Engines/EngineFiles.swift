import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// File-system and process-table steps of running the engines, in plain system calls.
enum EngineFiles {
    /// Makes `path` (and missing parents, which stay Rostra's) with `mode`, owned by
    /// `account` when Rostra runs as root and the folder is the engine's.
    static func makeDirectory(_ path: String, mode: mode_t, owner: OSAccount?) throws {
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } else if !isFolder.boolValue {
            throw EngineError.cannotRun("mkdir \(path)", "a file is in the way")
        }
        guard chmod(path, mode) == 0 else { throw systemError("chmod \(path)") }
        if let owner, chown(path, owner.uid, owner.gid) != 0 { throw systemError("chown \(path)") }
    }

    static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        _ = chmod(path, mode)
    }

    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static func systemError(_ what: String) -> EngineError {
        EngineError.cannotRun(what, String(cString: strerror(errno)))
    }

    /// The path with symbolic links resolved (the engine is always given real paths), or
    /// `path` itself when it does not exist yet.
    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    // MARK: Ports

    /// Whether nothing listens on 127.0.0.1:`port` now (a bind to it succeeds).
    static func isFree(port: Int) -> Bool { bindLoopback(port: port) != nil }

    /// A port the kernel has free on 127.0.0.1 now.
    static func freePort() throws -> Int {
        guard let port = bindLoopback(port: 0) else { throw systemError("bind 127.0.0.1:0") }
        return port
    }

    private static func bindLoopback(port: Int) -> Int? {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketDescriptor >= 0 else { return nil }
        defer { close(socketDescriptor) }
        // As the servers bind theirs: a port whose last connections linger in TIME_WAIT
        // (a server stopped a moment ago) is free for them.
        var reuse: Int32 = 1
        setsockopt(socketDescriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: Processes

    /// Whether `pid` is a process that has not ended (a zombie has ended).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard pid > 0, let stat = read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != nil && state != "Z" && state != "X"
    }

    /// The process's command line, arguments joined by spaces.
    static func commandLine(of pid: pid_t) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    /// Waits up to `limit` for `pid` to end.
    static func waitForEnd(of pid: pid_t, limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while isRunning(pid) {
            if ContinuousClock.now > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    /// Free bytes of the file system holding `path`, or nil.
    static func freeBytes(at path: String) -> Int64? {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else { return nil }
        return Int64(status.f_bavail) * Int64(status.f_frsize)
    }
}
