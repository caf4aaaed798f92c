import EmulatorState
import HTTP
import Primitives
import Synchronization

/// One isolated emulator world: its state, its clock, its fault rules, its request journal,
/// and whatever per-tenant objects the API modules attach (rate-limit counters, job
/// schedulers). Requests reach theirs through `Request.tenant()`.
///
/// A reset keeps the object and puts everything in it back as new: attachments are dropped
/// (an API module makes fresh ones on next use) and so are the clock's observers, which
/// only attachments add. A deletion *retires* the object: background work an attachment
/// started must hold its tenant (or its parts) weakly, or stop once `isRetired` is true.
public final class Tenant: Sendable {
    public let name: String
    public let state: StateStore
    public let clock: EmulatorClock
    public let faults = FaultRuleSet()
    public let journal: RequestJournal
    /// Read by every request that uses an attachment (a rate limiter), written once per key.
    private let attachments = ReadWriteLock<[ObjectIdentifier: any Sendable]>([:])
    private let retired = Atomic<Bool>(false)
    /// One reset of this tenant at a time.
    private let resetting = Lock()

    /// `journalBudget`: the emulator's, which every tenant's journal counts against.
    public init(name: String, state: StateStore, clock: EmulatorClock = EmulatorClock(), journalBudget: JournalBudget = JournalBudget()) {
        self.name = name
        self.state = state
        self.clock = clock
        journal = RequestJournal(budget: journalBudget)
    }

    /// The tenant's object for `key`, made by `create` on first use (once, under a lock):
    /// how an API module keeps per-tenant state without the emulator knowing its type.
    public func attachment<Key: TenantAttachmentKey>(_ key: Key.Type, create: () throws -> Key.Value) rethrows -> Key.Value {
        if let existing = attachments.read({ $0[ObjectIdentifier(key)] as? Key.Value }) { return existing }
        return try attachments.write { attached in
            if let existing = attached[ObjectIdentifier(key)] as? Key.Value { return existing }
            let made = try create()
            attached[ObjectIdentifier(key)] = made
            return made
        }
    }

    /// The tenant's object for `key` if one was made; never makes one.
    func existingAttachment<Key: TenantAttachmentKey>(_ key: Key.Type) -> Key.Value? {
        attachments.read { $0[ObjectIdentifier(key)] as? Key.Value }
    }

    /// True once the tenant was deleted.
    public var isRetired: Bool { retired.load(ordering: .acquiring) }

    /// Deleted: background work stops, and the journal's entries are given back to the
    /// budget now rather than when the last request holding the tenant ends.
    func retire() {
        retired.store(true, ordering: .releasing)
        journal.clear()
    }

    /// Back as new: data and files to the seed, the clock to real time, no fault rules, an
    /// empty journal, no attachments (fresh rate-limit counters and jobs). The attachments
    /// and the clock's observers go first, so an old job scheduler cannot move jobs of the
    /// reset state on the old clock's time.
    func reset() throws {
        try resetting.withLock {
            attachments.write { $0.removeAll() }
            clock.removeAllObservers()
            try state.reset()
            clock.set(mode: .real)
            faults.removeAll()
            journal.clear()
        }
    }
}

/// Names a per-tenant object an API module attaches to a `Tenant`.
public protocol TenantAttachmentKey {
    associatedtype Value: Sendable
}

enum TenantRequestKey: RequestStorageKey {
    typealias Value = Tenant
}

/// For a request served from the seed view: the name of the tenant it named, not made yet.
enum SeedViewNameKey: RequestStorageKey {
    typealias Value = String
}

extension Request {
    /// The tenant this request works in, set by the emulator's tenant middleware.
    public func tenant() throws -> Tenant {
        guard let tenant = storage[TenantRequestKey.self] else {
            throw HTTPError(.internalServerError, message: "no tenant selected for this request")
        }
        return tenant
    }
}
