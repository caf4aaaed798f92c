import EmulatorState
import Foundation
import Primitives
import Synchronization

/// The emulator's own clock: real time, frozen at a moment, or real time moved by an
/// offset. One clock drives everything time-dependent in a tenant — job progress,
/// rate-limit windows, timestamps in responses — so a test can move time forward instead
/// of waiting. Time is unix seconds as a `Double`.
public final class EmulatorClock: Sendable {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Real time plus no offset.
        case real
        /// Time stands still at a moment until advanced or set.
        case frozen
        /// Real time plus a fixed offset (time keeps running).
        case offset
    }

    /// What the clock shows, for `GET /__admin/clock`.
    public struct Reading: Sendable, Equatable {
        public let mode: Mode
        public let now: Double
        /// Seconds between the clock and real time.
        public let offset: Double
    }

    private struct State: Sendable {
        var mode: Mode = .real
        var offset: Double = 0
        var frozenAt: Double = 0
    }

    /// Read by every request of the tenant (journal times, rate-limit windows).
    private let state = ReadWriteLock(State())
    /// Whether the clock is real, read without the lock: the usual case then costs an
    /// atomic load and no lock word written (a measured part of the request path). Set
    /// under the write lock; a reader that sees the old value reads just before the change.
    private let isReal = Atomic<Bool>(true)
    private let realTime: @Sendable () -> Double
    private let observers = AdaptiveMutex<[@Sendable () -> Void]>([])

    /// `realTime` is injectable so tests of the clock itself need no sleeping.
    public init(realTime: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.realTime = realTime
    }

    public func now() -> Double {
        let real = realTime()
        if isReal.load(ordering: .acquiring) { return real }
        return state.read { state in
            switch state.mode {
            case .real: return real
            case .frozen: return state.frozenAt
            case .offset: return real + state.offset
            }
        }
    }

    public var reading: Reading {
        let real = realTime()
        return state.read { state in
            switch state.mode {
            case .real: return Reading(mode: .real, now: real, offset: 0)
            case .frozen: return Reading(mode: .frozen, now: state.frozenAt, offset: state.frozenAt - real)
            case .offset: return Reading(mode: .offset, now: real + state.offset, offset: state.offset)
            }
        }
    }

    /// Moves the clock forward (never back: negative amounts are refused by callers). A
    /// real clock becomes an offset clock; a frozen one stays frozen, later.
    public func advance(by seconds: Double) {
        state.write { state in
            switch state.mode {
            case .real:
                state.mode = .offset
                state.offset = seconds
            case .offset:
                state.offset += seconds
            case .frozen:
                state.frozenAt += seconds
            }
            if state.mode == .offset && state.offset == 0 { state.mode = .real }
            isReal.store(state.mode == .real, ordering: .releasing)
        }
        notifyObservers()
    }

    /// Sets the mode; `now` (unix seconds) is the moment a frozen or offset clock shows from
    /// now on (default: what it shows now).
    public func set(mode: Mode, now moment: Double? = nil) {
        let real = realTime()
        let current = now()
        state.write { state in
            let target = moment ?? current
            switch mode {
            case .real:
                state = State()
            case .frozen:
                state.mode = .frozen
                state.frozenAt = target
            case .offset:
                state.mode = .offset
                state.offset = target - real
            }
            isReal.store(state.mode == .real, ordering: .releasing)
        }
        notifyObservers()
    }

    /// Called after every change of the clock (advance or set), outside the clock's lock:
    /// a job scheduler uses it to finish jobs that became due.
    public func addObserver(_ observer: @escaping @Sendable () -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// Forgets every observer: a tenant reset drops the attachments that added them.
    public func removeAllObservers() {
        observers.withLock { $0.removeAll() }
    }

    private func notifyObservers() {
        for observer in observers.withLock({ $0 }) { observer() }
    }
}

extension EmulatorClock {
    /// Parses the ISO 8601 times admin clients send (`ISO8601Time.parse`: a zone is
    /// required, fractional seconds optional).
    public static func parseISO8601(_ text: String) -> Double? {
        ISO8601Time.parse(text)
    }
}
