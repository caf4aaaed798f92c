import HTTP
import Primitives
import Synchronization

/// The last `journal_size` API requests of one tenant, in a ring: memory stays bounded
/// however many requests come, and recording costs one short lock and no allocation once
/// the ring is full. What the entries hold is also counted against the emulator's
/// `JournalBudget`, which may take the oldest entries back early (`evictOldest`).
public final class RequestJournal: Sendable {
    private struct Ring: Sendable {
        /// Grows up to `capacity`; the entries are `count` slots from `head` (the oldest)
        /// on, wrapping around. A slot is empty once the budget took its entry early.
        var slots: [JournalEntry?] = []
        var head = 0
        var count = 0
        var capacity = 0
        /// What the entries hold, about (`JournalEntry.approximateBytes`).
        var bytes = 0
        /// Entries pushed out since the journal was created or cleared.
        var evicted = 0

        /// Oldest first.
        var ordered: [JournalEntry] {
            (0..<count).map { slots[(head + $0) % slots.count]! }
        }

        /// Adds the newest entry; hands back the oldest when the ring was full.
        mutating func append(_ entry: JournalEntry) -> JournalEntry? {
            bytes += entry.approximateBytes
            if count == capacity {
                let oldest = slots[head]
                slots[head] = entry
                head = (head + 1) % slots.count
                if let oldest { bytes -= oldest.approximateBytes }
                evicted += 1
                return oldest
            }
            if count < slots.count {
                slots[(head + count) % slots.count] = entry
            } else {
                if head != 0 {
                    // Slots freed early, then filled again: unwrap before growing.
                    slots = ordered.map(Optional.some)
                    head = 0
                }
                slots.append(entry)
            }
            count += 1
            return nil
        }

        mutating func removeOldest() -> JournalEntry? {
            guard count > 0, let oldest = slots[head] else { return nil }
            slots[head] = nil
            head = (head + 1) % slots.count
            count -= 1
            bytes -= oldest.approximateBytes
            evicted += 1
            return oldest
        }

        /// Keeps `kept` (oldest first), as the whole ring.
        mutating func replace(with kept: [JournalEntry], capacity newCapacity: Int) {
            slots = kept.map(Optional.some)
            slots.reserveCapacity(min(newCapacity, 1024))
            head = 0
            count = kept.count
            capacity = newCapacity
            bytes = kept.reduce(0) { $0 + $1.approximateBytes }
        }

        mutating func resize(to newCapacity: Int) {
            let kept = ordered.suffix(newCapacity)
            evicted += count - kept.count
            replace(with: Array(kept), capacity: newCapacity)
        }
    }

    /// Every request of the tenant appends under it (see `AdaptiveMutex`).
    private let ring = AdaptiveMutex(Ring())
    private let budget: JournalBudget
    /// `ring.bytes`, readable without the lock by the budget's search for the largest
    /// journal.
    private let heldBytes = Atomic<Int>(0)

    public init(budget: JournalBudget = JournalBudget()) {
        self.budget = budget
    }

    deinit {
        budget.add(-heldBytes.load(ordering: .relaxed))
    }

    /// Changes the ring under the lock and keeps the byte counts in step. What `change`
    /// hands back is freed after the lock is released: every request of the tenant waits
    /// for this lock, and freeing an entry's strings is the slowest part of a swap.
    private func changing<Pushed>(_ change: (inout Ring) -> Pushed) -> Pushed {
        ring.withLock { ring in
            let before = ring.bytes
            let pushedOut = change(&ring)
            budget.add(ring.bytes - before)
            heldBytes.store(ring.bytes, ordering: .relaxed)
            return pushedOut
        }
    }

    /// Adds an entry, pushing out the oldest when `capacity` entries are kept already. The
    /// capacity is the `journal_size` setting at the time of the request, so a changed
    /// setting takes effect with the next request (0 keeps nothing).
    public func record(_ entry: JournalEntry, capacity: Int) {
        let pushedOut = changing { ring -> JournalEntry? in
            if ring.capacity != capacity { ring.resize(to: capacity) }
            guard capacity > 0 else { return nil }
            return ring.append(entry)
        }
        withExtendedLifetime(pushedOut) {}
    }

    /// Keeps only the newest `capacity` entries now (the `journal_size` setting changed);
    /// recording also adapts by itself on the next request.
    public func resize(to capacity: Int) {
        changing { ring in
            if ring.capacity != capacity { ring.resize(to: capacity) }
        }
    }

    /// Pushes out the oldest entries until at least `bytes` are freed or none is left;
    /// returns the bytes freed. They count as evicted.
    func evictOldest(freeing bytes: Int) -> Int {
        let (freed, removed) = changing { ring -> (Int, [JournalEntry]) in
            let before = ring.bytes
            var removed: [JournalEntry] = []
            while before - ring.bytes < bytes, let oldest = ring.removeOldest() { removed.append(oldest) }
            return (before - ring.bytes, removed)
        }
        withExtendedLifetime(removed) {}
        return freed
    }

    /// Takes out every entry journaled for `tenant` (oldest first), for a tenant that was
    /// served from the seed until it was made.
    func removeEntries(ofTenant tenant: String) -> [JournalEntry] {
        changing { ring in
            let all = ring.ordered
            let taken = all.filter { $0.tenant == tenant }
            if !taken.isEmpty { ring.replace(with: all.filter { $0.tenant != tenant }, capacity: ring.capacity) }
            return taken
        }
    }

    /// Starts an empty journal with `entries` (oldest first), as if it had recorded them;
    /// the next request's `journal_size` trims them if it must.
    func adopt(_ entries: [JournalEntry]) {
        guard !entries.isEmpty else { return }
        changing { ring in
            let kept = ring.ordered + entries
            ring.replace(with: kept, capacity: max(ring.capacity, kept.count))
        }
    }

    /// Every entry kept, oldest first.
    public var entries: [JournalEntry] { ring.withLock { $0.ordered } }

    public var count: Int { ring.withLock { $0.count } }

    /// Entries pushed out by newer ones (or by the budget) since the journal was created
    /// or cleared.
    public var evictedCount: Int { ring.withLock { $0.evicted } }

    /// What the entries hold, about; without taking the lock.
    public var approximateBytes: Int { heldBytes.load(ordering: .relaxed) }

    public func clear() {
        let cleared = changing { ring -> [JournalEntry?] in
            let slots = ring.slots
            ring.replace(with: [], capacity: ring.capacity)
            ring.evicted = 0
            return slots
        }
        withExtendedLifetime(cleared) {}
    }
}
