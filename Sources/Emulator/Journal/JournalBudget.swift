import Synchronization

/// The bytes every request journal of one emulator holds together, against one ceiling.
/// `journal_size` bounds each journal by entries, but not the journals together: a hundred
/// tenants with a thousand large entries each held 1.67 GB. Each journal adds and removes
/// its entries' bytes here; once the total is over `limit`, the registry evicts the oldest
/// entries of the largest journal until it is not (`TenantRegistry.reclaimJournalMemory`).
public final class JournalBudget: Sendable {
    public let limit: Int
    /// Read once per journaled request (an atomic load); written as entries come and go.
    private let used = Atomic<Int>(0)

    public init(limit: Int = .max) {
        self.limit = limit
    }

    /// What the journals hold now, about (`JournalEntry.approximateBytes`).
    public var usedBytes: Int { used.load(ordering: .relaxed) }

    /// Bytes over the limit; 0 or less while within it.
    var excess: Int { limit == .max ? 0 : usedBytes - limit }

    func add(_ bytes: Int) {
        guard bytes != 0 else { return }
        used.add(bytes, ordering: .relaxed)
    }
}

extension JournalEntry {
    /// About the memory the entry holds: the struct and the heap storage of its strings,
    /// header fields and body prefix. Strings of up to 15 bytes live inside the struct.
    var approximateBytes: Int {
        func heap(_ text: String?) -> Int {
            guard let text, text.utf8.count > 15 else { return 0 }
            return text.utf8.count + JournalEntry.allocationOverhead
        }
        var total = MemoryLayout<JournalEntry>.stride + heap(tenant) + heap(method) + heap(path) + heap(query) + heap(fault)
        var fields = 0
        for field in headers {
            fields += 1
            total += JournalEntry.headerFieldBytes + heap(field.name) + heap(field.value)
        }
        if fields > 0 { total += JournalEntry.allocationOverhead }
        if let bodyPrefix { total += bodyPrefix.count + JournalEntry.allocationOverhead }
        return total
    }

    /// A heap allocation's header and rounding, about.
    static let allocationOverhead = 32
    /// One header field's slot in its array: a name and a value.
    static let headerFieldBytes = 2 * MemoryLayout<String>.stride
}
