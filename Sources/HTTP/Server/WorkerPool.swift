import Dispatch
import Glibc
import Primitives
import Synchronization

/// The threads that serve one server's connections.
///
/// A connection has a thread only while it has something to do: between two requests, or
/// while its head trickles in, it waits in the server's `EventPoller` and costs no thread
/// and no buffer. A worker takes one wake-up at a time, serves that connection until it
/// would wait again (every request it has sent, in order), parks it, and takes the next.
/// The poller hands wake-ups out in the order they came, so under load every connection
/// gets its turn: with a thread per connection, `scripts/bench` at 1000 connections left
/// the scheduler to share two cores among 1000 runnable threads and the p99 followed it
/// (42–245 ms; docs/performance.md).
///
/// Handlers are synchronous and may wait (a fault's delay, a slow client's body), so the
/// number of workers follows the work:
/// - while no worker is waiting for a wake-up and more wake-ups are due (or a connection is
///   new), one more starts, as long as fewer than `HTTPLimits.runnableWorkers` are running
///   — workers waiting on a client or a handler's delay (`waiting(_:)`) do not count;
/// - a supervisor watches for wake-ups pending, no worker free, and none taken for a whole
///   `HTTPLimits.stallCheckInterval` — every worker is stuck in something the pool cannot
///   see — and starts one more, whatever the count (one per interval at most);
/// - a worker that waits `HTTPLimits.workerIdleTime` for a wake-up ends, down to one.
///
/// The supervisor also looks at parked connections every `HTTPLimits.parkedSweepInterval`:
/// those past their deadline (a head that took too long, an idle keep-alive) are claimed and
/// queued as due, for a worker to answer their time-out; once the server stops, all of them
/// are, to close. Due connections — these, and a pipelining connection that gave up its
/// turn — wake a worker through a trigger that is always ready (`dueTrigger`), armed for
/// one wake-up per connection queued: a socket that is neither readable nor writable (a
/// client that sends nothing and reads nothing) cannot be relied on to wake anyone.
final class WorkerPool: Sendable {
    private let poller: EventPoller
    private let registry: ConnectionRegistry
    private let freedMemory: FreedMemoryReturn
    private let limits: HTTPLimits
    /// Written once by `stop`; registered in the poller, so every worker wakes and ends.
    private let stopPipe: (read: Int32, write: Int32)
    /// Readable from the start and never read: armed, it wakes one worker, who takes the
    /// first of `due`.
    private let dueTrigger: (read: Int32, write: Int32)
    private let due = AdaptiveMutex<[Connection]>([])

    private let workers = Atomic<Int>(0)
    private let idleWorkers = Atomic<Int>(0)
    private let waitingWorkers = Atomic<Int>(0)
    private let wakeUpsTaken = Atomic<UInt64>(0)
    private let supervisorStarted = Atomic<Bool>(false)
    /// Set while the supervisor sleeps with no time limit (no connection open).
    private let supervisorSleeping = Atomic<Bool>(false)
    private let supervisorWake = DispatchSemaphore(value: 0)
    private let supervisorEnded = DispatchSemaphore(value: 0)
    private let draining = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)

    static let stopToken = UInt64.max
    static let dueToken = UInt64.max - 1

    static func token(for descriptor: Int32) -> UInt64 { UInt64(UInt32(bitPattern: descriptor)) }

    init(registry: ConnectionRegistry, freedMemory: FreedMemoryReturn, limits: HTTPLimits) throws {
        self.registry = registry
        self.freedMemory = freedMemory
        self.limits = limits
        poller = try EventPoller()
        stopPipe = try Socket.makeEventPipe()
        do {
            dueTrigger = try Socket.makeEventPipe()
        } catch {
            close(stopPipe.read)
            close(stopPipe.write)
            throw error
        }
        do {
            var byte: UInt8 = 1
            guard write(dueTrigger.write, &byte, 1) == 1 else { throw SocketError.lastError("write") }
            try poller.addPersistent(stopPipe.read, token: Self.stopToken)
            try poller.add(dueTrigger.read, token: Self.dueToken)
            // Registered armed: the first wake-up finds `due` empty and is dropped.
        } catch {
            for descriptor in [stopPipe.read, stopPipe.write, dueTrigger.read, dueTrigger.write] { close(descriptor) }
            throw error
        }
    }

    deinit {
        for descriptor in [stopPipe.read, stopPipe.write, dueTrigger.read, dueTrigger.write] { close(descriptor) }
    }

    /// The number of worker threads now (for tests and the idle figures).
    var workerCount: Int { workers.load(ordering: .relaxed) }

    // MARK: Connections in

    /// Puts a newly admitted connection (already in the registry, parked) in the poller;
    /// false if the poller refused it, or there is no worker and none could be started
    /// (the caller answers 503 and closes it, which also takes it out of the poller).
    func watch(_ connection: Connection) -> Bool {
        do {
            try poller.add(connection.descriptor, token: Self.token(for: connection.descriptor))
        } catch {
            return false
        }
        if supervisorSleeping.exchange(false, ordering: .acquiringAndReleasing) { supervisorWake.signal() }
        if idleWorkers.load(ordering: .acquiring) == 0 { startWorkerIfShort(stalled: false) }
        return workers.load(ordering: .acquiring) > 0
    }

    /// Runs `body`, which waits on something other than the CPU (a client, a delay); the
    /// worker does not count as running meanwhile, so another may start for the rest.
    func waiting<Result>(_ body: () throws -> Result) rethrows -> Result {
        waitingWorkers.add(1, ordering: .relaxed)
        defer { waitingWorkers.subtract(1, ordering: .relaxed) }
        if idleWorkers.load(ordering: .acquiring) == 0 { startWorkerIfShort(stalled: false) }
        return try body()
    }

    /// Shutdown began: parked connections are woken now, and on every sweep after, so that
    /// each closes unless a request of it is under way.
    func closeIdleConnections() {
        draining.store(true, ordering: .releasing)
        for connection in registry.claimDue(by: .now(), all: true) { enqueueDue(connection) }
    }

    /// Queues a claimed connection for the next free worker, behind those already due.
    private func enqueueDue(_ connection: Connection) {
        due.withLock { $0.append(connection) }
        poller.arm(dueTrigger.read, token: Self.dueToken)
    }

    /// The first due connection, now the caller's; re-arms the trigger while more are due,
    /// so that each queued connection wakes a worker of its own.
    private func takeDue() -> Connection? {
        let (first, more) = due.withLock { queue -> (Connection?, Bool) in
            guard !queue.isEmpty else { return (nil, false) }
            return (queue.removeFirst(), !queue.isEmpty)
        }
        if more { poller.arm(dueTrigger.read, token: Self.dueToken) }
        return first
    }

    /// Ends every worker that is not serving anyone, and the supervisor; waits up to
    /// `timeout` for them. Called once the connections are closed.
    func stop(timeout: Duration) {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        if supervisorStarted.load(ordering: .acquiring) {
            supervisorWake.signal()
            _ = supervisorEnded.wait(timeout: .now() + .nanoseconds(Int(timeout.nanoseconds)))
        }
        let ends = MonotonicTime.now() + timeout
        while workers.load(ordering: .acquiring) > 0 && MonotonicTime.now() < ends { usleep(1_000) }
    }

    // MARK: Workers

    private func work() {
        let idleMilliseconds = Int32(clamping: limits.workerIdleTime.nanoseconds / 1_000_000)
        while true {
            idleWorkers.add(1, ordering: .releasing)
            let event = poller.wait(timeoutMilliseconds: idleMilliseconds)
            idleWorkers.subtract(1, ordering: .releasing)
            switch event {
            case .timedOut:
                if retire() { return }
            case .ready(let token):
                if token == Self.stopToken {
                    workers.subtract(1, ordering: .releasing)
                    return
                }
                wakeUpsTaken.add(1, ordering: .relaxed)
                if idleWorkers.load(ordering: .acquiring) == 0
                    && hasRoomToRun(among: workers.load(ordering: .relaxed)) && poller.hasPendingEvents {
                    // Others are due and no worker is free for them while this one serves.
                    // Only then: a spare started for nothing would sit on the path of the
                    // process's first answer (scripts/bench's cold start).
                    startWorkerIfShort(stalled: false)
                }
                if token == Self.dueToken {
                    if let connection = takeDue() { serveTurn(of: connection) }
                    continue
                }
                guard let connection = registry.claim(Int32(truncatingIfNeeded: token)) else { continue }
                serveTurn(of: connection)
            }
        }
    }

    private func serveTurn(of connection: Connection) {
        switch connection.resume() {
        case .closed:
            break
        case .park(let deadline):
            let descriptor = connection.descriptor
            registry.park(descriptor, until: deadline)
            // Nothing touches the connection after this: another worker may have it already.
            poller.arm(descriptor, token: Self.token(for: descriptor))
        case .yield:
            enqueueDue(connection)
        }
    }

    /// Fewer than `runnableWorkers` running among `count` workers (those waiting do not run).
    private func hasRoomToRun(among count: Int) -> Bool {
        count - waitingWorkers.load(ordering: .relaxed) < limits.runnableWorkers
    }

    /// An idle worker ends, unless it is the last.
    private func retire() -> Bool {
        var count = workers.load(ordering: .acquiring)
        while count > 1 {
            let (exchanged, current) = workers.compareExchange(
                expected: count, desired: count - 1, ordering: .acquiringAndReleasing)
            if exchanged {
                freedMemory.memoryReleased()
                return true
            }
            count = current
        }
        return false
    }

    /// Starts a worker if fewer than `runnableWorkers` are running (or, `stalled`, whatever
    /// the number); at most one per connection the server may hold.
    private func startWorkerIfShort(stalled: Bool) {
        guard !stopped.load(ordering: .acquiring) else { return }
        var count = workers.load(ordering: .acquiring)
        while true {
            guard stalled || hasRoomToRun(among: count), count < limits.maxConnections else { return }
            let (exchanged, current) = workers.compareExchange(
                expected: count, desired: count + 1, ordering: .acquiringAndReleasing)
            if exchanged { break }
            count = current
        }
        // No thread to be had: the connections wait for the workers there are.
        guard DetachedThread.start(stackBytes: limits.threadStackBytes, { [self] in work() }) else {
            workers.subtract(1, ordering: .releasing)
            return
        }
        if !supervisorStarted.exchange(true, ordering: .acquiringAndReleasing) {
            if !DetachedThread.start(stackBytes: limits.threadStackBytes, { [self] in supervise() }) {
                supervisorStarted.store(false, ordering: .releasing)
            }
        }
    }

    // MARK: Supervisor

    private func supervise() {
        defer { supervisorEnded.signal() }
        // One tick for both duties, each checked at its own interval: sleeping the stall
        // check's interval while every worker was busy left deadlines unswept that long.
        let tick = min(limits.stallCheckInterval, limits.parkedSweepInterval)
        var lastWakeUpsTaken = wakeUpsTaken.load(ordering: .relaxed)
        var lastWakeUpTakenAt = MonotonicTime.now()
        var nextSweep = MonotonicTime.now() + limits.parkedSweepInterval
        while !stopped.load(ordering: .acquiring) {
            if registry.count == 0 && idleWorkers.load(ordering: .acquiring) > 0 {
                // Nothing to watch until a connection comes (`watch` wakes us).
                supervisorSleeping.store(true, ordering: .releasing)
                if registry.count == 0 {
                    supervisorWake.wait()
                    lastWakeUpTakenAt = .now()
                    continue
                }
                supervisorSleeping.store(false, ordering: .releasing)
            }
            _ = supervisorWake.wait(timeout: .now() + .nanoseconds(Int(tick.nanoseconds)))
            if stopped.load(ordering: .acquiring) { return }

            let now = MonotonicTime.now()
            let taken = wakeUpsTaken.load(ordering: .relaxed)
            if taken != lastWakeUpsTaken {
                lastWakeUpsTaken = taken
                lastWakeUpTakenAt = now
            } else if now.since(lastWakeUpTakenAt) >= limits.stallCheckInterval,
                      idleWorkers.load(ordering: .acquiring) == 0, poller.hasPendingEvents {
                // Wake-ups pending, no worker free, none taken for a whole interval: every
                // worker is stuck. One more, and at most one per interval.
                startWorkerIfShort(stalled: true)
                lastWakeUpTakenAt = now
            }
            if now >= nextSweep {
                for connection in registry.claimDue(by: now, all: draining.load(ordering: .acquiring)) {
                    enqueueDue(connection)
                }
                nextSweep = now + limits.parkedSweepInterval
            }
        }
    }
}
