import Dispatch
import Primitives

#if canImport(Glibc)
import Glibc
#endif

/// A running (or ended) child started by a `ProcessWatcher`, which notices its end.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    /// The command line, for messages.
    public let command: String
    /// Signals go to its whole process group (it was started in a session of its own).
    private let signalsGroup: Bool
    private let stopSignal: Int32
    private let state = AdaptiveMutex<(status: Termination?, handlers: [@Sendable (Termination) -> Void])>((nil, []))
    /// Entered while it runs: any number of threads may wait for its end with a time-out.
    private let running = DispatchGroup()

    init(pid: pid_t, command: String, signalsGroup: Bool, stopSignal: Int32) {
        self.pid = pid
        self.command = command
        self.signalsGroup = signalsGroup
        self.stopSignal = stopSignal
        running.enter()
    }

    /// How it ended; nil while it runs.
    public var termination: Termination? { state.withLock { $0.status } }

    /// Calls `handler` (on the watcher's thread, so quickly) once it has ended — at once if
    /// it already has.
    public func onExit(_ handler: @escaping @Sendable (Termination) -> Void) {
        let ended: Termination? = state.withLock { state in
            if state.status == nil { state.handlers.append(handler) }
            return state.status
        }
        if let ended { handler(ended) }
    }

    /// Waits for its end; nil if it is still running after `timeout`.
    @discardableResult
    public func wait(timeout: Duration? = nil) -> Termination? {
        if let timeout {
            let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            guard running.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else { return nil }
        } else {
            running.wait()
        }
        return termination
    }

    /// Sends `signal` to it (and its process group, when it has one); nothing once it has
    /// ended, so a recycled pid is never hit.
    public func signal(_ signal: Int32) {
        state.withLock { state in
            // Under the lock: `ended` (the reaper) takes it too, so the pid is still ours.
            guard state.status == nil else { return }
            _ = signalsGroup ? kill(-pid, signal) : kill(pid, signal)
        }
    }

    /// Its stop signal (`Command.stopSignal`, SIGTERM by default), up to `grace` to end,
    /// then SIGKILL; returns how it ended.
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) -> Termination {
        signal(stopSignal)
        if let status = wait(timeout: grace) { return status }
        signal(SIGKILL)
        return wait()!
    }

    /// Called by the watcher once it has reaped the child.
    func ended(_ status: Termination) {
        let handlers = state.withLock { state in
            state.status = status
            defer { state.handlers = [] }
            return state.handlers
        }
        running.leave()
        for handler in handlers { handler(status) }
    }
}
