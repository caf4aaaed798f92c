
import Primitives
/// The last `journal_size` API requests of one tenant, in a ring: memory stays bounded
/// however many requests come, and recording costs one short lock and no allocation once
/// the ring is full.
public final class RequestJournal: Sendable {
    private struct Ring: Sendable {
        /// Grows up to `capacity`; once full, `next` is where the oldest entry sits and the
        /// next one goes.
        var slots: [JournalEntry] = []
        var next = 0
        var capacity = 0
        /// Entries pushed out since the journal was created or cleared.
        var evicted = 0

        /// Oldest first.
        var ordered: [JournalEntry] {
            guard slots.count == capacity, next > 0 else { return slots }
            return Array(slots[next...] + slots[..<next])
        }

        mutating func resize(to newCapacity: Int) {
            let kept = ordered.suffix(newCapacity)
            evicted += slots.count - kept.count
            slots = Array(kept)
            slots.reserveCapacity(min(newCapacity, 1024))
            next = 0
            capacity = newCapacity
        }
    }

    /// Every request of the tenant appends under it (see `AdaptiveMutex`).
    private let ring = AdaptiveMutex(Ring())

    public init() {}

    /// Adds an entry, pushing out the oldest when `capacity` entries are kept already. The
    /// capacity is the `journal_size` setting at the time of the request, so a changed
    /// setting takes effect with the next request (0 keeps nothing).
    public func record(_ entry: JournalEntry, capacity: Int) {
        // The entry pushed out is handed back and freed after the lock is released: every
        // request of the tenant waits for this lock, and freeing an entry's strings is the
        // slowest part of the swap.
        let pushedOut = ring.withLock { ring -> JournalEntry? in
            if ring.capacity != capacity { ring.resize(to: capacity) }
            guard capacity > 0 else { return nil }
            if ring.slots.count < capacity {
                ring.slots.append(entry)
                return nil
            }
            let oldest = ring.slots[ring.next]
            ring.slots[ring.next] = entry
            ring.next = (ring.next + 1) % capacity
            ring.evicted += 1
            return oldest
        }
        withExtendedLifetime(pushedOut) {}
    }

    /// Keeps only the newest `capacity` entries now (the `journal_size` setting changed);
    /// recording also adapts by itself on the next request.
    public func resize(to capacity: Int) {
        ring.withLock { ring in
            if ring.capacity != capacity { ring.resize(to: capacity) }
        }
    }

    /// Every entry kept, oldest first.
    public var entries: [JournalEntry] { ring.withLock { $0.ordered } }

    public var count: Int { ring.withLock { $0.slots.count } }

    /// Entries pushed out by newer ones since the journal was created or cleared.
    public var evictedCount: Int { ring.withLock { $0.evicted } }

    public func clear() {
        ring.withLock { ring in
            ring.slots = []
            ring.next = 0
            ring.evicted = 0
        }
    }
}
