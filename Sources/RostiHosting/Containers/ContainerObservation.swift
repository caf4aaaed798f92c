import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// What an app's container is doing, looked at from the host as apps-status reports it:
/// its supervisord's programs (asked with the real `supervisorctl`, through the socket in
/// the app's `/srv/run`), whether its supervisor files read, and the resident memory of
/// every process of its pid namespace.
public struct ContainerObservation: Sendable, Equatable {
    /// One program of `supervisorctl status`.
    public struct Program: Sendable, Equatable {
        public let name: String
        /// RUNNING, STARTING, BACKOFF, FATAL, EXITED, STOPPED…
        public let state: String
        /// The rest of the line ("Exited too quickly (process log may have details)").
        public let detail: String

        /// A program that should be running and is not (a user's `supervisorctl stop` is not
        /// a failure).
        public var hasFailed: Bool { ["BACKOFF", "FATAL", "EXITED", "UNKNOWN"].contains(state) }
    }

    /// The container runs and its supervisord answers.
    public let running: Bool
    public let programs: [Program]
    /// supervisord's own words when it cannot read the supervisor files or does not answer.
    public let supervisorProblem: String?
    /// Resident memory of the container's processes, bytes.
    public let residentBytes: Int64

    public static let stopped = ContainerObservation(running: false, programs: [], supervisorProblem: nil, residentBytes: 0)

    /// Lines of `supervisorctl status`: `name   STATE   detail`.
    static func programs(inStatus text: String) -> [Program] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard words.count >= 2, words[1].allSatisfy({ $0.isUppercase }) else { return nil }
            return Program(
                name: String(words[0]), state: String(words[1]),
                detail: words.count > 2 ? words[2].trimmingCharacters(in: .whitespaces) : "")
        }
    }
}

extension AppContainer {
    /// Looks at the running container (nil state when it is not running): `supervisorctl
    /// status` and `reread` through its socket, and /proc. Takes a Python start or two
    /// (0.1–1 s on a loaded machine).
    public func observe() -> ContainerObservation {
        guard let pid1 = runningPID1 else { return .stopped }
        let resident = Self.residentBytes(ofNamespaceOf: pid1)
        let socket = folder.srv + "/run/supervisor.sock"
        guard HostFiles.exists(socket) else {
            return ContainerObservation(
                running: false, programs: [], supervisorProblem: "supervisord is not running (no /srv/run/supervisor.sock)", residentBytes: resident)
        }
        guard let status = try? supervisorctl(["status"]) else {
            return ContainerObservation(running: false, programs: [], supervisorProblem: "supervisord does not answer", residentBytes: resident)
        }
        let programs = ContainerObservation.programs(inStatus: status.output)
        if programs.isEmpty && status.code >= 4 {
            return ContainerObservation(
                running: false, programs: [], supervisorProblem: status.output.trimmingCharacters(in: .whitespacesAndNewlines),
                residentBytes: resident)
        }
        var problem: String?
        if let reread = try? supervisorctl(["reread"]), reread.code != 0 {
            problem = reread.output.split(separator: "\n").prefix(2).joined(separator: " ")
        }
        return ContainerObservation(running: true, programs: programs, supervisorProblem: problem, residentBytes: resident)
    }

    /// Kills a program of the container's supervisord with SIGKILL, as a crash would (the
    /// admin API's fault): supervisord sees it exit and restarts it when its
    /// `autorestart` says so. Throws when the program is unknown or not running.
    public func crash(program: String) throws {
        guard runningPID1 != nil else { throw SandboxError("the app is not running") }
        guard program.allSatisfy({ $0.isLetter || $0.isNumber || "_-.:".contains($0) }), !program.isEmpty else {
            throw SandboxError("no program named \(program)")
        }
        let answer = try supervisorctl(["pid", program])
        guard let pid = pid_t(answer.output.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw SandboxError("\(program) is not running: \(answer.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // supervisorctl reports the pid as the container numbers it; the host's is the one
        // whose innermost pid (NSpid's last) is that, in the container's namespace.
        guard let hostPID = hostPID(of: pid) else { throw SandboxError("\(program)'s process is gone") }
        Glibc.kill(hostPID, SIGKILL)
    }

    /// The size of `/srv` on disk (its blocks, as `du` counts them), bytes.
    public var srvBytes: Int64 { Self.diskBytes(folder.srv) }

    // MARK: Helpers

    /// Runs the machine's `supervisorctl` against the app's socket; output and exit code.
    func supervisorctl(_ arguments: [String]) throws -> (output: String, code: Int32) {
        guard let program = host.readiness.tools[ContainerTools.supervisorctl] else { throw SandboxError("supervisorctl is not installed") }
        guard let ends = makePipe() else { throw SandboxError("pipe: \(String(cString: strerror(errno)))") }
        // The app's supervisord.conf has the [supervisorctl] section supervisorctl needs;
        // -s points it at the socket by the host's path.
        var command = Command(
            program, ["-c", folder.sys + "/supervisord.conf", "-s", "unix://" + folder.srv + "/run/supervisor.sock"] + arguments,
            environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"])
        command.descriptors = [-1, ends.write, ends.write]
        let child: ChildProcess
        do {
            child = try host.watcher().spawn(command)
        } catch {
            close(ends.read)
            close(ends.write)
            throw error
        }
        close(ends.write)
        defer { close(ends.read) }
        let deadline = ContinuousClock.now + .seconds(host.limits.supervisorctlSeconds)
        let bytes: [UInt8]
        do {
            bytes = try readUntilEnd(ends.read, deadline: deadline)
        } catch {
            child.signal(SIGKILL)
            child.wait(timeout: .seconds(5))
            throw error
        }
        guard case .exited(let code)? = child.wait(timeout: .seconds(host.limits.supervisorctlSeconds)) else {
            child.signal(SIGKILL)
            throw SandboxError("supervisorctl did not end")
        }
        return (String(decoding: bytes, as: UTF8.self), code)
    }

    /// The host pid of the process the container calls `pid`.
    private func hostPID(of pid: pid_t) -> pid_t? {
        guard let pid1 = runningPID1 else { return nil }
        let namespace = HostFiles.linkTarget("/proc/\(pid1)/ns/pid")
        for candidate in Self.allPIDs() where HostFiles.linkTarget("/proc/\(candidate)/ns/pid") == namespace {
            let status = (try? String(contentsOfFile: "/proc/\(candidate)/status", encoding: .utf8)) ?? ""
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }) else { continue }
            if line.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.flatMap({ pid_t($0) }) == pid { return candidate }
        }
        return nil
    }

    /// The resident memory (VmRSS) of every process in the pid namespace `pid1` is in.
    static func residentBytes(ofNamespaceOf pid1: pid_t) -> Int64 {
        guard let namespace = HostFiles.linkTarget("/proc/\(pid1)/ns/pid") else { return 0 }
        var total: Int64 = 0
        for pid in allPIDs() where HostFiles.linkTarget("/proc/\(pid)/ns/pid") == namespace {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { continue }
            let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int64($0) } ?? 0
            total += kilobytes * 1024
        }
        return total
    }

    static func allPIDs() -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
    }

    /// Bytes on disk under `path` (every file's blocks, links not followed).
    static func diskBytes(_ path: String) -> Int64 {
        var status = stat()
        guard lstat(path, &status) == 0 else { return 0 }
        var total = Int64(status.st_blocks) * 512
        guard status.st_mode & S_IFMT == S_IFDIR, let directory = opendir(path) else { return total }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
        for name in names { total += diskBytes(path + "/" + name) }
        return total
    }
}
