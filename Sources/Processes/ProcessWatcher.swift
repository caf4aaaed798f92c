import CLinux
import CProcess
import Dispatch
import Foundation
import Primitives

#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes and notices each one's end, on one thread of its own.
/// Each child gets its `Command.deathSignal` when that thread ends.
///
/// Why one thread does both: a child started with a death signal gets it when the *thread*
/// that started it ends (prctl(2): "the parent thread"), not the process — a worker thread
/// that retires after an idle spell would take its children with it. The watcher's thread
/// lives as long as the watcher, so children die with Rostra and not before. The same
/// thread reaps them: each child's pidfd sits in an epoll set and becomes readable when it
/// ends, so no zombie stays and no `waitpid(-1)` steals another part of the process's
/// children.
public final class ProcessWatcher: Sendable {
    private final class Pending: Sendable {
        let command: Command
        let done = DispatchSemaphore(value: 0)
        let result = AdaptiveMutex<Result<ChildProcess, SpawnError>?>(nil)

        init(command: Command) { self.command = command }
    }

    private struct State {
        var pending: [Pending] = []
        var children: [Int32: ChildProcess] = [:]  // by pidfd
        var isStopping = false
    }

    private let state = AdaptiveMutex(State())
    private let poller: Int32
    /// Written to wake the thread: a spawn is pending, or the watcher stops.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let finished = DispatchSemaphore(value: 0)

    public init() throws {
        poller = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard poller >= 0 else { throw SpawnError(command: "the process watcher", code: errno) }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            close(poller)
            throw SpawnError(command: "the process watcher", code: errno)
        }
        for end in pipeEnds {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wakeRead))
        epoll_ctl(poller, EPOLL_CTL_ADD, wakeRead, &event)
        let thread = Thread { [self] in run() }
        thread.name = "rostra-processes"
        thread.start()
    }

    deinit {
        close(poller)
        close(wakeRead)
        close(wakeWrite)
    }

    /// Starts `command`; throws `SpawnError` if the program cannot be started.
    public func spawn(_ command: Command) throws(SpawnError) -> ChildProcess {
        let pending = Pending(command: command)
        let accepted = state.withLock { state -> Bool in
            guard !state.isStopping else { return false }
            state.pending.append(pending)
            return true
        }
        guard accepted else { throw SpawnError(command: command.description, code: ECANCELED) }
        wake()
        pending.done.wait()
        return try pending.result.withLock { $0! }.get()
    }

    /// The children that have not ended yet.
    public var running: [ChildProcess] { state.withLock { Array($0.children.values) } }

    /// Stops every child (`ChildProcess.stop(grace:)`, all at once), then the thread.
    /// Spawning afterwards fails.
    public func shutdown(grace: Duration = .seconds(5)) {
        let children = state.withLock { state in
            state.isStopping = true
            return Array(state.children.values)
        }
        DispatchQueue.concurrentPerform(iterations: children.count) { children[$0].stop(grace: grace) }
        wake()
        finished.wait()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: The thread

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 32)
        while true {
            let count = epoll_wait(poller, &events, Int32(events.count), -1)
            if count < 0 {
                if errno == EINTR { continue }
                break
            }
            for event in events[0..<Int(count)] where event.data.fd != wakeRead {
                reap(pidfd: event.data.fd)
            }
            drainWakeUps()
            let (pending, stopping, childrenLeft) = state.withLock { state in
                let pending = state.pending
                state.pending = []
                return (pending, state.isStopping, state.children.count)
            }
            for request in pending { start(request) }
            if stopping && childrenLeft == 0 && pending.isEmpty { break }
        }
        finished.signal()
    }

    private func drainWakeUps() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    private func start(_ request: Pending) {
        let result = Result { () throws(SpawnError) -> ChildProcess in
            let command = request.command
            let pid = try Self.fork(command)
            let pidfd = rostra_pidfd_open(pid)
            guard pidfd >= 0 else {
                // Without a pidfd it cannot be watched: do not leave it running unwatched.
                let code = errno
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                throw SpawnError(command: command.description, code: code)
            }
            let child = ChildProcess(
                pid: pid, command: command.description, signalsGroup: command.newSession, stopSignal: command.stopSignal)
            state.withLock { $0.children[pidfd] = child }
            var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: pidfd))
            epoll_ctl(poller, EPOLL_CTL_ADD, pidfd, &event)
            return child
        }
        request.result.withLock { $0 = result }
        request.done.signal()
    }

    private func reap(pidfd: Int32) {
        guard let child = state.withLock({ $0.children.removeValue(forKey: pidfd) }) else { return }
        epoll_ctl(poller, EPOLL_CTL_DEL, pidfd, nil)
        close(pidfd)
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as functions.
        let exit: Termination = status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
        child.ended(exit)
    }

    private static func fork(_ command: Command) throws(SpawnError) -> pid_t {
        let arguments = [command.executable] + command.arguments
        let environment = command.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let code: Int32 = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in
                command.descriptors.withUnsafeBufferPointer { descriptors in
                    command.executable.withCString { path in
                        let call = { (directory: UnsafePointer<CChar>?) -> Int32 in
                            var request = rostra_spawn_request(
                                path: path, argv: argv, envp: envp, descriptors: descriptors.baseAddress,
                                descriptor_count: Int32(descriptors.count), directory: directory,
                                new_session: command.newSession ? 1 : 0, death_signal: command.deathSignal,
                                switch_ids: command.identity == nil ? 0 : 1,
                                uid: command.identity?.uid ?? 0, gid: command.identity?.gid ?? 0)
                            return rostra_spawn(&request, &pid)
                        }
                        if let directory = command.directory { return directory.withCString { call($0) } }
                        return call(nil)
                    }
                }
            }
        }
        guard code == 0 else { throw SpawnError(command: command.description, code: code) }
        return pid
    }
}

/// `strings` as a NULL-terminated `char *[]` for the length of `body`.
private func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
