import CLinux
import Dispatch
import Glibc
import Synchronization

/// Gives the memory that closed connections and ended workers freed back to the kernel, a
/// moment after they end, and sleeps while nothing does.
///
/// glibc's allocator keeps freed memory in its arenas and returns it only from the top of
/// each heap; `malloc_trim(0)` hands back every whole free page of every arena
/// (`madvise(MADV_DONTNEED)`). It was added when the engine had a thread per connection:
/// the blocks a thousand threads freed left holes all through the arenas, and
/// `scripts/soak` (1000 connections, 60 s) saw the resident size rise by 10–15 MB after
/// its warm-up, 4–10 MB with the trim. The worker pool ended that churn (the soak now
/// holds 30 MB, +1.5 MB after 10 s); what the trim still saves there was not measured
/// again, and it still runs after closes and worker endings. It holds each arena's lock
/// while it walks it (6–55 ms for the ~90 MB of arenas of those days), once per
/// `HTTPLimits.freedMemoryReturnDelay` at most, on a thread of its own.
///
/// `malloc_trim` works on the whole process, so the servers of one process should share one
/// (`HTTPServer.init(…, freedMemory:)`); a server given none makes its own.
public final class FreedMemoryReturn: Sendable {
    private let delay: Duration
    private let stackBytes: Int
    /// Set by the first close or ending after a trim; cleared just before the next trim.
    private let trimPending = Atomic<Bool>(false)
    /// The trimming thread starts with the first connection that closes or worker that
    /// ends, so a server that never served anyone (or a process that starts and stops at
    /// once) has none.
    private let threadStarted = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let trims = Atomic<Int>(0)

    public init(delay: Duration, stackBytes: Int = 256 * 1024) {
        self.delay = delay
        self.stackBytes = stackBytes
    }

    /// How many times memory was trimmed (for tests).
    var trimCount: Int { trims.load(ordering: .relaxed) }

    /// A connection closed or a worker is about to end: a trim is due `delay` from now, by
    /// which time an ending thread has exited and given its own cache of freed blocks back
    /// to the arenas.
    func memoryReleased() {
        guard !trimPending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if !threadStarted.exchange(true, ordering: .acquiringAndReleasing) {
            // No thread to be had (the system is at its limit): nothing is trimmed, and
            // serving goes on; a later ending tries again.
            guard DetachedThread.start(stackBytes: stackBytes, { [self] in run() }) else {
                threadStarted.store(false, ordering: .releasing)
                trimPending.store(false, ordering: .releasing)
                return
            }
        }
        wake.signal()
    }

    /// Ends the trimming thread, if it started (within `delay`).
    public func stop() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
    }

    private func run() {
        while true {
            wake.wait()
            if stopped.load(ordering: .acquiring) { return }
            // Waits out the delay; ends sooner only on stop.
            if wake.wait(timeout: .now() + .nanoseconds(Int(delay.nanoseconds))) == .success,
               stopped.load(ordering: .acquiring) {
                return
            }
            trimPending.store(false, ordering: .releasing)
            malloc_trim(0)
            trims.add(1, ordering: .relaxed)
        }
    }
}
