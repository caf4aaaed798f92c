#if canImport(Glibc)
import Glibc
#endif
import Primitives
import Synchronization

/// Waits (up to `timeout`) for `condition`; for states another thread reaches.
public func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicTime.now() + timeout
    while MonotonicTime.now() < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}

/// An atomic integer that escaping handler closures can capture (`Atomic` itself cannot be
/// captured: it is not copyable).
public final class SharedCounter: Sendable {
    private let value = Atomic<Int64>(0)

    public init() {}

    public var current: Int64 { value.load(ordering: .relaxed) }

    public func add(_ amount: Int64) { value.add(amount, ordering: .relaxed) }

    public func raise(to candidate: Int64) { value.max(candidate, ordering: .relaxed) }
}
