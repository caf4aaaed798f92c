import Foundation
import Logging
import Primitives
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// Where the engines of one Rostra keep their files.
public struct EngineFolders: Sendable, Equatable {
    /// The folder each engine's data and settings go in, as `<folder>/<engine>`: beside a
    /// state's database file, `<database>-engines` (one per database, as two databases in
    /// one folder are two worlds). Nil for a throwaway (in-memory) state: they then go in
    /// the runtime folder and are removed with it.
    public var persistent: String?
    /// The per-machine cache of template data directories: nil for the default
    /// (`/var/cache/rostra/templates` as root, else `$XDG_CACHE_HOME` or
    /// `~/.cache/rostra/templates`).
    public var templateCache: String?
    /// Where the runtime folder (sockets; a throwaway state's data) is made; nil: /tmp.
    public var runtimeParent: String?

    /// The engines of a state whose database is the file `database`: beside it.
    public static func beside(database: String) -> EngineFolders { EngineFolders(persistent: database + "-engines") }

    /// The engines of a throwaway state: in /dev/shm when it has room (a copy of the
    /// template there takes a tenth of the time it takes on a disk; the data goes with
    /// Rostra anyway), else in /tmp.
    public static func throwaway(limits: HostingLimits.Engines = HostingLimits.default.engines) -> EngineFolders {
        let sharedMemory = "/dev/shm"
        let roomy = (EngineFiles.freeBytes(at: sharedMemory) ?? 0) >= limits.sharedMemoryFolderMinimumBytes
        return EngineFolders(persistent: nil, runtimeParent: roomy && access(sharedMemory, W_OK) == 0 ? sharedMemory : nil)
    }

    public init(persistent: String?, templateCache: String? = nil, runtimeParent: String? = nil) {
        self.persistent = persistent
        self.templateCache = templateCache
        self.runtimeParent = runtimeParent
    }
}

/// What both engines of one Rostra share: the process watcher their programs run under,
/// the runtime folder and its reaper, the folders, the limits and the log. The watcher and
/// the runtime folder are made on first use, so a Rostra that never starts an engine
/// pays for neither.
final class EngineContext: Sendable {
    let folders: EngineFolders
    let limits: HostingLimits.Engines
    let logger: Logger
    private let parts = AdaptiveMutex<Parts>(Parts())

    private struct Parts {
        var watcher: ProcessWatcher?
        var runtime: RuntimeFolder?
        var closed = false
        /// Whether `pg_dump` takes `--restrict-key`, once asked.
        var pgDumpTakesRestrictKey: Bool?
    }

    /// The key PostgreSQL dumps of this process are fenced with (`\restrict`, pg_dump
    /// 15.14 and later): random per process, so that data a storage's user wrote cannot
    /// know it, and the same for every dump, so that two dumps of unchanged data are the
    /// same bytes (pg_dump picks a new random one each time otherwise).
    let dumpRestrictKey: String = {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }()

    /// `--restrict-key=…` for `pg_dump` at `path` when it takes it (asked once).
    func restrictKeyArguments(pgDump path: String) throws -> [String] {
        if let known = parts.withLock({ $0.pgDumpTakesRestrictKey }) { return known ? ["--restrict-key=\(dumpRestrictKey)"] : [] }
        let help = try ProgramRun.run(prepared(Command(path, ["--help"])), watcher: watcher(), timeout: limits.adminCall)
        let takes = help.outputText.contains("--restrict-key")
        parts.withLock { $0.pgDumpTakesRestrictKey = takes }
        return takes ? ["--restrict-key=\(dumpRestrictKey)"] : []
    }

    init(folders: EngineFolders, limits: HostingLimits.Engines, logger: Logger) {
        self.folders = folders
        self.limits = limits
        self.logger = logger
    }

    /// The watcher every engine program runs under, from one long-lived thread (a child's
    /// death signal fires when the thread that started it ends).
    func watcher() throws -> ProcessWatcher {
        try parts.withLock { parts in
            guard !parts.closed else { throw EngineError.closed }
            if let watcher = parts.watcher { return watcher }
            // A client that ends before reading all its SQL must cost EPIPE, not the process.
            signal(SIGPIPE, SIG_IGN)
            do {
                let made = try ProcessWatcher()
                parts.watcher = made
                return made
            } catch {
                throw EngineError.cannotRun("the process watcher", "\(error)")
            }
        }
    }

    /// The runtime folder, made (with its reaper) on first use.
    func runtime() throws -> RuntimeFolder {
        let watcher = try watcher()
        return try parts.withLock { parts in
            guard !parts.closed else { throw EngineError.closed }
            if let runtime = parts.runtime { return runtime }
            let made = try RuntimeFolder(parent: folders.runtimeParent ?? "/tmp", watcher: watcher, logger: logger)
            parts.runtime = made
            return made
        }
    }

    /// The runtime folder's path, once made.
    var runtimePath: String? { parts.withLock { $0.runtime?.path } }

    /// `command` with the environment every engine program gets: nothing of Rostra's own.
    func prepared(_ command: Command, extra: [String: String] = [:]) -> Command {
        var command = command
        command.environment = Self.environment.merging(extra) { $1 }
        return command
    }

    static let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"]

    /// The engines are stopped: removes the runtime folder and ends the watcher. Later
    /// calls fail with `EngineError.closed`.
    func close() {
        let (watcher, runtime) = parts.withLock { parts -> (ProcessWatcher?, RuntimeFolder?) in
            parts.closed = true
            defer { parts.watcher = nil; parts.runtime = nil }
            return (parts.watcher, parts.runtime)
        }
        runtime?.remove()
        watcher?.shutdown(grace: limits.stopGrace)
    }

    /// The template cache's folder.
    var templateCache: String {
        if let chosen = folders.templateCache { return chosen }
        if getuid() == 0 { return "/var/cache/rostra/templates" }
        if let xdg = getenv("XDG_CACHE_HOME").map({ String(cString: $0) }), xdg.hasPrefix("/") { return xdg + "/rostra/templates" }
        return (OSAccount.current()?.home ?? NSTemporaryDirectory()) + "/.cache/rostra/templates"
    }
}

/// `/tmp/rostra-engines.XXXXXX`: the engines' sockets (and a throwaway state's data), gone
/// when Rostra ends however it ends. Rostra removes it when it stops; when it is killed,
/// the reaper does — a small shell child holding the read end of a pipe whose write end
/// only Rostra has: the end of Rostra closes it, and the reaper then waits for the
/// servers to finish their own shutdown (their death signal) and removes the folder.
final class RuntimeFolder: Sendable {
    let path: String
    private let reaperPipe: Int32
    private let reaper: ChildProcess?

    init(parent: String, watcher: ProcessWatcher, logger: Logger) throws {
        var template = Array((parent + "/rostra-engines.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw EngineFiles.systemError("mkdtemp in \(parent)") }
        path = String(cString: made)
        // Others may pass through to the engine's own folders (0700, theirs), not list it.
        _ = chmod(path, getuid() == 0 ? 0o711 : 0o700)
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            EngineFiles.remove(path)
            throw EngineFiles.systemError("pipe")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        reaperPipe = ends[1]
        var command = Command("/bin/sh", ["-c", Self.reaperScript, "rostra-engines-reaper", path],
                              environment: EngineContext.environment)
        command.descriptors = [ends[0], -1, -1]
        command.deathSignal = 0  // it must outlive Rostra: that is its whole job
        do {
            reaper = try watcher.spawn(command)
        } catch {
            logger.warning("no reaper for \(path) (removed at a clean stop only): \(error)")
            reaper = nil
        }
        close(ends[0])
    }

    /// Waits for end of input (Rostra gone), then up to 30 s for each server whose pid file
    /// is in the folder, then removes it. A zombie counts as ended.
    static let reaperScript = """
        while read -r _; do :; done
        for pidfile in "$1"/*.pid; do
          [ -r "$pidfile" ] || continue
          pid=$(cat "$pidfile"); n=0
          while [ -r "/proc/$pid/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat" 2>/dev/null && [ $n -lt 300 ]; do
            sleep 0.1; n=$((n+1))
          done
        done
        rm -rf "$1"
        """

    /// Records the pid of a server whose files are in the folder, for the reaper.
    func recordServer(_ engine: DatabaseEngine, pid: pid_t?) {
        let file = "\(path)/\(engine.rawValue).pid"
        if let pid { try? EngineFiles.write("\(pid)\n", to: file) } else { EngineFiles.remove(file) }
    }

    /// At a clean stop, once the servers have ended.
    func remove() {
        EngineFiles.remove(path)
        close(reaperPipe)
        reaper?.wait(timeout: .seconds(5))
    }
}
