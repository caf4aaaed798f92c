#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The project's locks, in the module every other one may import (`Primitives`): for state
// that every API request touches (settings, the tenant table, clocks, journals,
// attachments, the open connections) and everywhere else a lock is needed above the Store
// module (which uses its own per-connection locks). The state code takes them from here
// without importing the HTTP engine.
//
// Why not `Synchronization.Mutex`: ThreadSanitizer cannot see its hand-over (a futex the
// kernel passes on, with no user-space atomic) and reported races on data it guarded.
// And: on Linux it is a priority-inheritance futex (FUTEX_LOCK_PI). Every contended
// acquisition enters the kernel and the lock is handed to a sleeping waiter, so threads
// convoy behind it: measured when the engine still had a thread per connection, four such
// locks per request on a trivial route cut throughput to a third (perf showed the time in
// `_MutexHandle._lockSlow` and `rt_mutex_schedule`; docs/admin-api.md has the figures).
// glibc's adaptive mutex spins briefly and lets a running thread take a free lock; its
// reader-writer lock lets readers in together.

/// A mutual-exclusion lock that spins briefly before sleeping, for short critical sections
/// under heavy contention (e.g. appending to a journal).
///
/// `@unchecked Sendable`: `value` is only ever read or written inside `withLock`, under the
/// `Lock`'s pthread mutex, which gives the exclusion and memory ordering the compiler cannot see;
/// `Value` is `Sendable`, so what a closure hands out of the lock may cross threads.
public final class AdaptiveMutex<Value: Sendable>: @unchecked Sendable {
    private let lock = Lock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try lock.withLock { try body(&value) }
    }
}

/// A mutual-exclusion lock that guards no value of its own, only a section of code (one
/// change at a time). `AdaptiveMutex<Void>` would do the same, but its `inout` access to a
/// value of no size is reported by ThreadSanitizer as a race with any read of the lock
/// object's header (the two share an address).
///
/// `@unchecked Sendable`: it holds only the pthread mutex, which is made for threads.
public final class Lock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() {
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        #if os(Linux)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        #endif
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A lock for values read on every request and written rarely (settings, the tenant table,
/// a clock): readers do not wait for each other; a waiting writer goes before new readers,
/// so an admin call is never starved by traffic.
///
/// `@unchecked Sendable`: `value` is read only under the read lock and written only under
/// the write lock of the pthread reader-writer lock; `Value` is `Sendable`, as readers on
/// several threads hold copies of it at once.
public final class ReadWriteLock<Value: Sendable>: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if os(Linux)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        pthread_rwlock_init(lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    public func read<Result>(_ body: (Value) throws -> Result) rethrows -> Result {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(value)
    }

    public func write<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&value)
    }
}
