/// What the limiter decided about one request.
import Primitives
public struct RateLimitDecision: Sendable, Equatable {
    /// Requests a key may make per window.
    public let limit: Int
    /// Requests counted in the current window, this one included.
    public let used: Int
    /// When the current window ends, in unix seconds of the clock the limiter was given.
    public let windowEnd: Double

    public var isAllowed: Bool { used <= limit }
    /// What `X-RateLimit-Remaining` reports: never negative, 0 once the limit is reached.
    public var remaining: Int { max(0, limit - used) }
}

/// Counts requests per key in fixed, calendar-aligned windows: a window of `w` seconds
/// starts at every multiple of `w` since the epoch, so an hour window starts on the hour —
/// the production limiter's `<who>:<YYYY-MM-DDTHH>` counters, for any window length.
///
/// Every request is counted, refused ones included (as a client that keeps calling past the
/// limit keeps being refused until the window ends). One lock around the counters makes
/// the count exact under concurrent requests: each request sees a distinct `used`.
///
/// Time is passed in (the tenant's emulator clock), never read here, and so are the limit
/// and the window: settings changed at run time apply to the next request. A change of the
/// window length starts every key afresh.
public final class FixedWindowRateLimiter: Sendable {
    private struct Window: Equatable, Sendable {
        var seconds: Int
        var index: Int64
    }

    private struct Counter: Sendable {
        var window: Window
        var used: Int
    }

    private struct Counters: Sendable {
        var byKey: [String: Counter] = [:]
        /// The window the counters were last swept for: counters of any other window are
        /// dead, and are dropped once per window rather than looked at on every request.
        var sweptWindow: Window?
    }

    /// Taken by every limited request: an adaptive mutex, not `Synchronization.Mutex`,
    /// whose priority-inheritance futex made concurrent finds queue in the kernel — a third
    /// of an authenticated find's time in a profile (see `Locks.swift`).
    private let counters: AdaptiveMutex<Counters>

    public init() {
        counters = AdaptiveMutex(Counters())
    }

    /// Counts one request of `key` at time `now` and says whether it is within `limit`.
    public func record(key: String, at now: Double, limit: Int, windowSeconds: Int) -> RateLimitDecision {
        let seconds = max(1, windowSeconds)
        let window = Window(seconds: seconds, index: Int64((now / Double(seconds)).rounded(.down)))
        let used = counters.withLock { counters -> Int in
            if counters.sweptWindow != window {
                counters.byKey = counters.byKey.filter { $0.value.window == window }
                counters.sweptWindow = window
            }
            var counter = counters.byKey[key].flatMap { $0.window == window ? $0 : nil } ?? Counter(window: window, used: 0)
            counter.used += 1
            counters.byKey[key] = counter
            return counter.used
        }
        return RateLimitDecision(limit: limit, used: used, windowEnd: Double(window.index + 1) * Double(seconds))
    }

    /// Takes out the counters whose keys start with `prefix`, as a limiter of their own
    /// with the prefix cut off; `nil` when there are none.
    func takeCounters(prefixed prefix: String) -> FixedWindowRateLimiter? {
        let taken = counters.withLock { counters -> Counters? in
            let matching = counters.byKey.filter { $0.key.hasPrefix(prefix) }
            guard !matching.isEmpty else { return nil }
            for key in matching.keys { counters.byKey.removeValue(forKey: key) }
            var moved = Counters(sweptWindow: counters.sweptWindow)
            for (key, counter) in matching { moved.byKey[String(key.dropFirst(prefix.count))] = counter }
            return moved
        }
        return taken.map(FixedWindowRateLimiter.init(counters:))
    }

    private init(counters: Counters) {
        self.counters = AdaptiveMutex(counters)
    }

    /// Keys with a counter in the current window (for tests and the admin surface).
    public var trackedKeyCount: Int { counters.withLock { $0.byKey.count } }
}
