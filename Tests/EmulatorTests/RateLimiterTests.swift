import Foundation
import HTTP
import Primitives
import Synchronization
import Testing

@testable import Emulator
import TestSupport

/// The fixed, calendar-aligned window counter on its own.
@Suite struct RateLimiterTests {
    let hour = 3600
    /// 2026-11-22T10:00:00Z, a top of the hour.
    let topOfHour = 1_795_428_000.0

    @Test func countsEachKeyInItsWindow() {
        let limiter = FixedWindowRateLimiter()
        let decisions = (1...4).map { _ in limiter.record(key: "a", at: topOfHour + 10, limit: 3, windowSeconds: hour) }
        #expect(decisions.map(\.used) == [1, 2, 3, 4])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0])
        #expect(decisions.map(\.isAllowed) == [true, true, true, false])
        #expect(decisions[0].windowEnd == topOfHour + 3600)
        #expect(limiter.record(key: "b", at: topOfHour + 10, limit: 3, windowSeconds: hour).used == 1)
    }

    @Test func theCountStartsAgainAtTheTopOfTheHour() {
        let limiter = FixedWindowRateLimiter()
        for _ in 0..<5 { _ = limiter.record(key: "a", at: topOfHour - 0.001, limit: 3, windowSeconds: hour) }
        #expect(limiter.record(key: "a", at: topOfHour - 0.0005, limit: 3, windowSeconds: hour).isAllowed == false)
        let next = limiter.record(key: "a", at: topOfHour, limit: 3, windowSeconds: hour)
        #expect(next.used == 1)
        #expect(next.windowEnd == topOfHour + 3600)
        // Not a sliding window: 59 minutes on is still the same hour.
        #expect(limiter.record(key: "a", at: topOfHour + 3599, limit: 3, windowSeconds: hour).used == 2)
    }

    @Test func windowsOfOtherLengthsAreAlignedToTheirLength() {
        let limiter = FixedWindowRateLimiter()
        #expect(limiter.record(key: "a", at: 119.9, limit: 1, windowSeconds: 60).windowEnd == 120)
        #expect(limiter.record(key: "a", at: 120, limit: 1, windowSeconds: 60).used == 1)
        // A new window length starts every key afresh.
        #expect(limiter.record(key: "a", at: 120, limit: 1, windowSeconds: 30).used == 1)
        #expect(limiter.record(key: "a", at: 120, limit: 1, windowSeconds: 30).used == 2)
    }

    @Test func aClockSetBackStartsAnotherWindow() {
        let limiter = FixedWindowRateLimiter()
        _ = limiter.record(key: "a", at: topOfHour + 7200, limit: 5, windowSeconds: hour)
        #expect(limiter.record(key: "a", at: topOfHour, limit: 5, windowSeconds: hour).used == 1)
    }

    @Test func countersOfPastWindowsAreDropped() {
        let limiter = FixedWindowRateLimiter()
        for key in 0..<100 { _ = limiter.record(key: "k\(key)", at: topOfHour, limit: 5, windowSeconds: hour) }
        #expect(limiter.trackedKeyCount == 100)
        _ = limiter.record(key: "late", at: topOfHour + 3600, limit: 5, windowSeconds: hour)
        #expect(limiter.trackedKeyCount == 1)
    }

    @Test func concurrentRequestsAreCountedExactly() {
        let limiter = FixedWindowRateLimiter()
        let threads = 8, perThread = 500
        let seen = CollectedCounts()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var mine: [Int] = []
            for _ in 0..<perThread { mine.append(limiter.record(key: "k", at: topOfHour, limit: 1000, windowSeconds: hour).used) }
            seen.values.withLock { $0 += mine }
        }
        #expect(seen.values.withLock { $0.sorted() } == Array(1...(threads * perThread)))
    }
}

/// What the concurrent callers saw, gathered under a lock (a bare `Mutex` cannot be
/// captured by the escaping closures of `concurrentPerform`).
final class CollectedCounts: Sendable {
    let values = AdaptiveMutex<[Int]>([])
}
