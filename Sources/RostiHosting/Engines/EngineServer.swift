import Dispatch
import Foundation
import Logging
import Primitives
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// What an engine is doing, for the dashboard, health and the admin API.
public enum EngineState: Sendable, Equatable {
    /// Not installed here: storages of this engine stay rows.
    case notInstalled(missing: [String])
    /// Installed; no server runs (none was needed yet, or Rostra is stopping).
    case stopped
    case starting
    case running
    /// Taken down on purpose (the outage fault): logins are refused; work waits for up.
    case down
    /// Would not start, or ended too often: `reason`, with the end of its log.
    case failed(reason: String)

    public var name: String {
        switch self {
        case .notInstalled: return "not installed"
        case .stopped: return "stopped"
        case .starting: return "starting"
        case .running: return "running"
        case .down: return "down"
        case .failed: return "failed"
        }
    }
}

/// One database server (PostgreSQL or MariaDB) of one Rostra, shared by every tenant: made
/// from the template when its data is new, started on first need on 127.0.0.1 and a free
/// port (the same as last time when it is still free), watched (started again when it ends
/// by itself), taken down and up for the outage fault, stopped with Rostra.
///
/// Everything it does runs on its own queue, one job at a time: administration calls,
/// starting, stopping. Work that arrives while it is down or failed is kept and done, in
/// order, once it is up again.
public final class EngineServer: Sendable {
    public let engine: DatabaseEngine
    let installation: EngineInstallation?
    let dialect: (any EngineDialect)?
    private let context: EngineContext
    private let queue: DispatchQueue
    private let status: AdaptiveMutex<Status>

    private struct Status {
        var state: EngineState
        var port: Int?
        var child: ChildProcess?
        var layout: EngineLayout?
        /// Work that came while down or failed, in arrival order.
        var parked: [@Sendable (EngineSession) throws -> Void] = []
        /// Ends by itself within `restartWindow`, for the restart policy.
        var unexpectedEnds: [ContinuousClock.Instant] = []
        var activated = false
        var closed = false
        /// Bumped at every start and stop: an exit handler of an older server does nothing.
        var generation = 0
        /// Told the port each time the server is ready (`onReady`).
        var readyObservers: [@Sendable (Int) -> Void] = []
    }

    init(engine: DatabaseEngine, finding: EngineInstallation.Finding, context: EngineContext) {
        self.engine = engine
        self.context = context
        queue = DispatchQueue(label: "rostra-engine-\(engine.rawValue)", attributes: .initiallyInactive)
        switch finding {
        case .available(let installation):
            self.installation = installation
            dialect = engine == .pgsql ? PostgreSQLDialect(installation: installation) : MariaDBDialect(installation: installation)
            status = AdaptiveMutex(Status(state: .stopped))
        case .missing(_, let missing):
            installation = nil
            dialect = nil
            status = AdaptiveMutex(Status(state: .notInstalled(missing: missing)))
        }
    }

    /// `handler` is told the port each time the server becomes ready: what reaches the
    /// storages from elsewhere (the apps' networks) follows it.
    public func onReady(_ handler: @escaping @Sendable (_ port: Int) -> Void) {
        status.withLock { $0.readyObservers.append(handler) }
    }

    /// libdispatch kills the process that releases a queue never activated.
    deinit { activate() }

    public var state: EngineState { status.withLock { $0.state } }

    /// Whether the engine is installed here (storages of it are databases, not rows only).
    public var isInstalled: Bool { installation != nil }

    /// Where its programs are, for people ("PostgreSQL 15 (/usr/lib/postgresql/15/bin)").
    public var detail: String? { installation?.detail }

    /// The port storages of this engine are reached on: the running server's, or the one it
    /// had (down, or stopped after a start); nil before the first start.
    public var port: Int? { status.withLock { $0.port } }

    /// The server's process id while it runs.
    public var pid: pid_t? { status.withLock { $0.state == .running ? $0.child?.pid : nil } }

    /// The data directory in use (nil before the first start).
    public var dataDirectory: String? { status.withLock { $0.layout?.data } }

    /// The server's log file (nil before the first start).
    public var logFile: String? { status.withLock { $0.layout?.log } }

    /// Work sent before this runs only once this is called (Rostra calls it once it
    /// listens, so that engines starting in the background do not slow its first answer);
    /// a caller that waits for work calls it itself.
    public func activate() {
        let first = status.withLock { status -> Bool in
            defer { status.activated = true }
            return !status.activated
        }
        if first { queue.activate() }
    }

    // MARK: Work

    /// Runs `work` with a session of the running server (starting it first when needed)
    /// and waits for it. Throws `EngineError.notInstalled`, `.down` or the failure that
    /// keeps it from running.
    public func perform<Result: Sendable>(_ work: @escaping @Sendable (EngineSession) throws -> Result) throws -> Result {
        guard installation != nil else { throw EngineError.notInstalled(engine, install: engine.installCommand) }
        activate()
        return try queue.sync { try work(try runningSession()) }
    }

    /// How `submit` dealt with work.
    public enum Outcome: Sendable, Equatable {
        /// Done (or failed, as the error says), waited for or in the background.
        case done
        case failed(String)
        /// Down or failed: kept for when it is up again.
        case parked
        /// Not installed: nothing to do.
        case skipped
        /// Sent to run in the background.
        case sent
    }

    /// Runs `work` (waiting for it when `wait`) when the engine can work; keeps it for
    /// later when the engine is down or failed; does nothing when it is not installed.
    @discardableResult
    public func submit(wait: Bool, _ work: @escaping @Sendable (EngineSession) throws -> Void) -> Outcome {
        guard installation != nil else { return .skipped }
        let parkedNow = status.withLock { status -> Bool in
            guard status.closed || Self.isParking(status.state) else { return false }
            if !status.closed { status.parked.append(work) }
            return true
        }
        if parkedNow { return .parked }
        let job: @Sendable () -> Outcome = { [self] in
            // The state may have changed while it waited in the queue.
            let parkedLater = status.withLock { status -> Bool in
                guard Self.isParking(status.state) else { return false }
                status.parked.append(work)
                return true
            }
            if parkedLater { return .parked }
            do {
                try work(try runningSession())
                return .done
            } catch EngineError.down(_) {
                status.withLock { $0.parked.append(work) }
                return .parked
            } catch {
                context.logger.error("\(engine.productName): \(error)")
                return .failed("\(error)")
            }
        }
        if wait {
            activate()
            return queue.sync(execute: job)
        }
        queue.async { _ = job() }
        return .sent
    }

    private static func isParking(_ state: EngineState) -> Bool {
        if case .failed = state { return true }
        return state == .down
    }

    /// A session of the server, started first when it is stopped. On the queue only.
    private func runningSession() throws -> EngineSession {
        let (state, port, layout) = status.withLock { ($0.state, $0.port, $0.layout) }
        switch state {
        case .notInstalled: throw EngineError.notInstalled(engine, install: engine.installCommand)
        case .down: throw EngineError.down(engine)
        case .failed(let reason): throw EngineError.unusable(engine, reason)
        case .running:
            return EngineSession(engine: engine, port: port!, dialect: dialect!, layout: layout!, context: context)
        case .stopped, .starting:
            try start()
            return try runningSession()
        }
    }

    // MARK: Down and up (the outage fault)

    /// Stops the server as Rostra's own stop does (clients are cut off, logins are refused
    /// at once); work waits until `bringUp()`. Nothing when not running.
    public func takeDown() throws {
        guard installation != nil else { throw EngineError.notInstalled(engine, install: engine.installCommand) }
        activate()
        queue.sync {
            let child = status.withLock { status -> ChildProcess? in
                guard status.state == .running || status.state == .stopped || status.state == .starting else { return nil }
                status.state = .down
                status.generation += 1
                return status.child
            }
            if let child { stopServer(child) }
        }
    }

    /// Starts the server again (on the same port when it is free) and does the work that
    /// waited, in order. Also how a failed engine is tried again.
    public func bringUp() throws {
        guard installation != nil else { throw EngineError.notInstalled(engine, install: engine.installCommand) }
        activate()
        try queue.sync {
            status.withLock { status in
                if status.state == .down || Self.isParking(status.state) {
                    status.state = .stopped
                    status.unexpectedEnds = []
                }
            }
            _ = try runningSession()
            try runParked()
        }
    }

    /// The work kept while down, in order; on the queue, with the server running.
    private func runParked() throws {
        while true {
            let next = status.withLock { status -> (@Sendable (EngineSession) throws -> Void)? in
                status.parked.isEmpty ? nil : status.parked.removeFirst()
            }
            guard let next else { return }
            do {
                try next(try runningSession())
            } catch {
                context.logger.error("\(engine.productName): work kept while it was down failed: \(error)")
            }
        }
    }

    // MARK: Stopping with Rostra

    /// Stops the server for good (SIGINT for PostgreSQL, SIGTERM for MariaDB, SIGKILL after
    /// the grace period); later work is dropped.
    func close() {
        let wasActivated = status.withLock { status -> Bool in
            status.closed = true
            status.parked = []
            return status.activated
        }
        // Work still queued runs first (it finds the engine closed quickly); an inactive
        // queue is activated so that it drains.
        if !wasActivated { activate() }
        queue.sync {
            let child = status.withLock { status -> ChildProcess? in
                status.generation += 1
                if status.state == .running || status.state == .starting { status.state = .stopped }
                return status.child
            }
            if let child { stopServer(child) }
        }
    }

    private func stopServer(_ child: ChildProcess) {
        let ended = child.stop(grace: context.limits.stopGrace)
        context.logger.info("\(engine.productName) stopped (\(ended))")
        let layout = status.withLock { status -> EngineLayout? in
            status.child = nil
            return status.layout
        }
        if let layout {
            EngineFiles.remove(layout.ownerFile)
            try? context.runtime().recordServer(engine, pid: nil)
        }
    }
}

// MARK: Starting

extension EngineServer {
    /// Starts the server; on the queue. Makes the data directory first when there is none.
    private func start() throws {
        guard let installation, let dialect else { throw EngineError.notInstalled(engine, install: engine.installCommand) }
        let closed = status.withLock { status -> Bool in
            if !status.closed { status.state = .starting }
            return status.closed
        }
        if closed { throw EngineError.closed }
        do {
            let layout = try prepareLayout(installation)
            status.withLock { $0.layout = layout }
            try EngineData(dialect: dialect, installation: installation, layout: layout, context: context).prepare()
            try stopLeftover(layout)
            try launch(layout, dialect: dialect, installation: installation)
        } catch {
            let reason = "\(error)"
            status.withLock { status in
                if !status.closed { status.state = .failed(reason: reason) }
            }
            throw error
        }
    }

    /// The engine's folders: its own (0700, the engine user's) beside the state's database
    /// or in the runtime folder, and its socket folder in the runtime folder.
    private func prepareLayout(_ installation: EngineInstallation) throws -> EngineLayout {
        let runtime = try context.runtime()
        let owner = installation.switchesUser ? installation.account : nil
        let socketDirectory = runtime.path + "/" + engine.rawValue
        EngineFiles.remove(socketDirectory)
        try EngineFiles.makeDirectory(socketDirectory, mode: 0o700, owner: owner)
        let directory: String
        if let persistent = context.folders.persistent {
            directory = try EngineFolder.persistent(for: engine, in: persistent, installation: installation, context: context)
        } else {
            try EngineFiles.makeDirectory(runtime.path + "/data", mode: 0o711, owner: nil)
            directory = runtime.path + "/data/" + engine.rawValue
            try EngineFiles.makeDirectory(directory, mode: 0o700, owner: owner)
        }
        return EngineLayout(engine: engine, directory: directory, socketDirectory: socketDirectory)
    }

    /// A server of an earlier run still holding the data (its Rostra was killed and the
    /// server is still shutting down, or lost its death signal): stopped, unless another
    /// living Rostra runs it.
    private func stopLeftover(_ layout: EngineLayout) throws {
        if let owner = EngineFiles.read(layout.ownerFile)?.split(separator: " ").compactMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
           owner.count == 2, owner[0] != getpid(), EngineFiles.isRunning(owner[0]), EngineFiles.isRunning(owner[1]),
           EngineFiles.commandLine(of: owner[1]).contains(layout.directory) {
            throw EngineError.unusable(engine, "its data in \(layout.directory) is in use by another Rostra (pid \(owner[0])) on the same state")
        }
        guard let pidText = EngineFiles.read(layout.pidFile)?.split(separator: "\n").first,
              let pid = pid_t(pidText.trimmingCharacters(in: .whitespaces)) else { return }
        let line = EngineFiles.commandLine(of: pid)
        if EngineFiles.isRunning(pid) && (line.contains(layout.data) || line.contains(layout.configuration)) {
            context.logger.notice("\(engine.productName): stopping the server (pid \(pid)) an earlier run left on \(layout.data)")
            kill(pid, dialect!.stopSignal)
            if !EngineFiles.waitForEnd(of: pid, limit: context.limits.stopGrace) {
                kill(pid, SIGKILL)
                _ = EngineFiles.waitForEnd(of: pid, limit: .seconds(5))
            }
        } else if engine == .pgsql {
            // A pid file naming a process that is not this server (the pid was reused):
            // postgres would refuse to start on it.
            EngineFiles.remove(layout.pidFile)
        }
    }

    private func launch(_ layout: EngineLayout, dialect: any EngineDialect, installation: EngineInstallation) throws {
        let account = installation.switchesUser ? installation.account : nil
        for (path, text) in dialect.configuration(layout) { try EngineFiles.write(text, to: path) }
        let log = open(layout.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw EngineFiles.systemError("open \(layout.log)") }
        defer { Glibc.close(log) }
        var lastError: (any Error)?
        for attempt in 0..<context.limits.portAttempts {
            let previous = EngineFiles.read(layout.portFile).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                ?? status.withLock { $0.port }
            let reusable = attempt == 0 ? previous.flatMap { EngineFiles.isFree(port: $0) ? $0 : nil } : nil
            let port = try reusable ?? EngineFiles.freePort()
            let readiness = try ReadinessSocket(path: layout.notifySocket, writableBy: account)
            var command = context.prepared(dialect.serverCommand(layout, port: port), extra: ["NOTIFY_SOCKET": readiness.path])
            command.descriptors = [-1, log, log]
            command.newSession = true
            command.identity = account.map { (uid: $0.uid, gid: $0.gid) }
            command.deathSignal = dialect.stopSignal
            command.stopSignal = dialect.stopSignal
            let started = ContinuousClock.now
            let child: ChildProcess
            do {
                child = try context.watcher().spawn(command)
            } catch {
                throw EngineError.cannotRun(command.description, "\(error)")
            }
            switch readiness.waitForReady(of: child, limit: context.limits.readiness) {
            case .ready:
                let generation = status.withLock { status -> Int in
                    status.generation += 1
                    status.child = child
                    status.port = port
                    status.state = .running
                    return status.generation
                }
                try? EngineFiles.write("\(port)\n", to: layout.portFile)
                try? EngineFiles.write("\(getpid()) \(child.pid)\n", to: layout.ownerFile)
                try context.runtime().recordServer(engine, pid: child.pid)
                child.onExit { [weak self] ended in self?.serverEnded(ended, generation: generation) }
                context.logger.info(
                    "\(engine.productName) ready on 127.0.0.1:\(port) in \(Int((ContinuousClock.now - started) / .milliseconds(1))) ms (pid \(child.pid))")
                for observer in status.withLock({ $0.readyObservers }) { observer(port) }
                return
            case .ended(let termination):
                let tail = logTail(layout)
                lastError = EngineError.notReady(engine, reason: "it ended (\(termination))", log: tail)
                // Another program took the port between the check and the server's bind.
                if tail.contains("already in use") || tail.contains("error: 98") { continue }
                throw lastError!
            case .timedOut:
                child.stop(grace: context.limits.stopGrace)
                throw EngineError.notReady(engine, reason: "no READY=1 within \(context.limits.readiness)", log: logTail(layout))
            }
        }
        throw lastError ?? EngineError.notReady(engine, reason: "no free port", log: "")
    }

    func logTail(_ layout: EngineLayout) -> String {
        guard let text = EngineFiles.read(layout.log) else { return "" }
        return text.split(separator: "\n").suffix(context.limits.logLinesQuoted).joined(separator: " | ")
    }

    /// The watcher saw the server end. Unless Rostra stopped it, it is started again after
    /// a pause that doubles with each end, and left failed after too many.
    private func serverEnded(_ ended: Termination, generation: Int) {
        let (current, layout) = status.withLock { status -> (Bool, EngineLayout?) in
            guard status.generation == generation, !status.closed, status.state == .running else { return (false, nil) }
            status.child = nil
            let now = ContinuousClock.now
            status.unexpectedEnds = status.unexpectedEnds.filter { now - $0 < context.limits.restartWindow } + [now]
            return (true, status.layout)
        }
        guard current else { return }
        let tail = layout.map(logTail) ?? ""
        let ends = status.withLock { $0.unexpectedEnds.count }
        if ends >= context.limits.restartsBeforeFailing {
            let reason = "it ended by itself \(ends) times within \(context.limits.restartWindow) (last: \(ended)); its log ends with: \(tail)"
            status.withLock { $0.state = .failed(reason: reason) }
            context.logger.error("\(engine.productName) failed: \(reason); POST /__admin/engines/\(engine.rawValue)/up tries again")
            return
        }
        let delay = min(Duration.seconds(1 << (ends - 1)), context.limits.restartDelayCeiling)
        status.withLock { $0.state = .stopped }
        context.logger.warning("\(engine.productName) ended by itself (\(ended)); starting it again in \(delay): \(tail)")
        let milliseconds = Int(delay / .milliseconds(1))
        queue.asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { [weak self] in
            guard let self, self.status.withLock({ $0.state == .stopped && !$0.closed }) else { return }
            do {
                _ = try self.runningSession()
            } catch {
                self.context.logger.error("\(self.engine.productName) did not start again: \(error)")
            }
        }
    }
}
