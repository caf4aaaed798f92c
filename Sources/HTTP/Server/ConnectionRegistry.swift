import Primitives

/// The open connections of a server: counted against the cap, reachable to force them
/// closed, and — for those waiting in the poller — owned by no thread until a worker claims
/// them, with the deadline by which one must look at them (`WorkerPool`).
///
/// A socket is removed before it is closed, under the lock every other operation takes, so
/// nothing here ever touches a descriptor number that has been reused.
final class ConnectionRegistry: Sendable {
    private struct Entry: Sendable {
        let connection: Connection
        /// Set while the connection waits in the poller; nil while a worker serves it.
        var parkedUntil: MonotonicTime?
    }

    private let entries = AdaptiveMutex<[Int32: Entry]>([:])

    var count: Int { entries.withLock { $0.count } }

    /// Admits a new connection, parked until `deadline`; false when `limit` are open.
    func add(_ connection: Connection, parkedUntil deadline: MonotonicTime, limit: Int) -> Bool {
        entries.withLock { open in
            guard open.count < limit else { return false }
            open[connection.descriptor] = Entry(connection: connection, parkedUntil: deadline)
            return true
        }
    }

    /// The parked connection on `descriptor`, now the caller's to serve; nil when no parked
    /// connection is there (another worker has it, or it closed): a stale wake-up.
    func claim(_ descriptor: Int32) -> Connection? {
        entries.withLock { open in
            guard let entry = open[descriptor], entry.parkedUntil != nil else { return nil }
            open[descriptor]!.parkedUntil = nil
            return entry.connection
        }
    }

    /// The serving worker lets the connection go; it must be woken by `deadline` at the
    /// latest. Called before the socket is armed, so a wake-up always finds it parked.
    func park(_ descriptor: Int32, until deadline: MonotonicTime) {
        entries.withLock { open in
            open[descriptor]?.parkedUntil = deadline
        }
    }

    func remove(_ descriptor: Int32) {
        _ = entries.withLock { $0.removeValue(forKey: descriptor) }
    }

    /// Claims every parked connection whose deadline has passed (or every parked one, when
    /// `all`), for a worker to answer its time-out or close it for shutdown. Claimed here,
    /// not woken through the poller: a socket that is neither readable nor writable (a
    /// client that sends nothing and reads nothing) would never wake.
    func claimDue(by now: MonotonicTime, all: Bool) -> [Connection] {
        entries.withLock { open in
            var due: [Connection] = []
            for (descriptor, entry) in open {
                guard let deadline = entry.parkedUntil, all || deadline <= now else { continue }
                open[descriptor]!.parkedUntil = nil
                due.append(entry.connection)
            }
            return due
        }
    }

    /// Shuts every open socket down: blocked workers wake with an error, parked connections
    /// with end of stream.
    func shutdownAll() {
        entries.withLock { open in
            for descriptor in open.keys { Socket(descriptor: descriptor).shutdownBoth() }
        }
    }
}
