import Dispatch
import Primitives
import Synchronization
import Testing

/// The project's locks, on real threads: what each promises to the state code.
@Suite struct LocksTests {
    @Test func adaptiveMutexLetsOneThreadInAtATime() {
        let counter = AdaptiveMutex(0)
        let inside = Atomic<Int>(0)
        let overlapped = Atomic<Bool>(false)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<2_000 {
                counter.withLock { value in
                    if inside.add(1, ordering: .relaxed).newValue > 1 { overlapped.store(true, ordering: .relaxed) }
                    value += 1
                    inside.subtract(1, ordering: .relaxed)
                }
            }
        }
        let total = counter.withLock { $0 }
        let didOverlap = overlapped.load(ordering: .relaxed)
        #expect(total == 16_000)
        #expect(!didOverlap)
    }

    @Test func lockLetsOneThreadInAtATime() {
        let lock = Lock()
        let inside = Atomic<Int>(0)
        let entered = Atomic<Int>(0)
        let overlapped = Atomic<Bool>(false)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<2_000 {
                lock.withLock {
                    if inside.add(1, ordering: .relaxed).newValue > 1 { overlapped.store(true, ordering: .relaxed) }
                    entered.add(1, ordering: .relaxed)
                    inside.subtract(1, ordering: .relaxed)
                }
            }
        }
        let total = entered.load(ordering: .relaxed)
        let didOverlap = overlapped.load(ordering: .relaxed)
        #expect(total == 16_000)
        #expect(!didOverlap)
    }

    @Test func readersDoNotWaitForEachOther() {
        let lock = ReadWriteLock(0)
        let firstIsReading = DispatchSemaphore(value: 0)
        let secondHasRead = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let secondReadWhileFirstHeld = AdaptiveMutex(false)
        DispatchQueue.global().async(group: done) {
            lock.read { _ in
                _ = firstIsReading.signal()
                // Held until the second reader got in, or given up after 5 s.
                if secondHasRead.wait(timeout: .now() + 5) == .success {
                    secondReadWhileFirstHeld.withLock { $0 = true }
                }
            }
        }
        firstIsReading.wait()
        DispatchQueue.global().async(group: done) {
            _ = lock.read { _ in secondHasRead.signal() }
        }
        done.wait()
        let together = secondReadWhileFirstHeld.withLock { $0 }
        #expect(together)
    }

    @Test func aWriterExcludesReadersAndOtherWriters() {
        let lock = ReadWriteLock([Int]())
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for step in 0..<500 {
                if step % 5 == 0 {
                    lock.write { $0.append(worker) }
                } else {
                    // A reader never sees a half-done write: the count only ever grows by
                    // whole appends, and every element is a worker's number.
                    lock.read { values in #expect(values.allSatisfy { (0..<8).contains($0) }) }
                }
            }
        }
        #expect(lock.read { $0.count } == 8 * 100)
    }
}
