import EmulatorState
import Foundation
import HTTP
import JSON
import Primitives
import Synchronization

/// Every tenant of one emulator by name: the default one (backed by the database `--db`
/// names) and those made from the seed, each with an in-memory state of its own.
///
/// A tenant holds memory only when a real caller made it: an authenticated API request
/// (see `APIService.isAuthenticated`) or an authorised admin call. Any other request that
/// names a tenant that does not exist yet is served from the *seed view*: one read-only
/// copy of the seed, shared by all such requests, which is exactly what a new tenant would
/// start with. Such a request cannot write (every write of both APIs needs a user), so it
/// answers as it would have in a new tenant; its journal entry and rate-limit count are
/// kept in the seed view under the name it gave, and move to the tenant if it is made.
public final class TenantRegistry: Sendable {
    /// The tenant of requests without `X-Rostra-Tenant`. Never replaced (a reset works in
    /// place), so the most common request reaches it without any lock.
    public let defaultTenant: Tenant
    /// Tenants made so far. Read by every request that names one, written when one is made
    /// or deleted.
    private let named = ReadWriteLock<[String: Tenant]>([:])
    /// The seed every new tenant copies; the default tenant's, so all tenants start alike.
    private let seed: Seed
    /// What every journal holds, together (`ControlPlaneLimits.journalBytesMaximum`).
    let journalBudget: JournalBudget
    /// Made when a request first names a tenant that does not exist.
    private let seedViewTenant = AdaptiveMutex<Tenant?>(nil)
    /// One eviction pass at a time (see `reclaimJournalMemory`).
    private let reclaiming = Atomic<Bool>(false)
    /// Tells the plug-ins what happened to a tenant's state as a whole.
    private let announce: @Sendable (Tenant, TenantEvent) -> Void

    init(defaultState: StateStore, journalBudget: JournalBudget, announce: @escaping @Sendable (Tenant, TenantEvent) -> Void) {
        seed = defaultState.seed
        self.journalBudget = journalBudget
        self.announce = announce
        defaultTenant = Tenant(name: TenantName.defaultName, state: defaultState, journalBudget: journalBudget)
    }

    /// What a request that names `name` works in, without making anything: the tenant of
    /// that name, or `nil` when there is none yet. A name that is not a tenant name is
    /// refused (400).
    public func existingTenant(validating name: String) throws -> Tenant? {
        if name == TenantName.defaultName { return defaultTenant }
        if let existing = named.read({ $0[name] }) { return existing }
        if let problem = TenantName.problem(with: name) {
            throw HTTPError(.badRequest, message: "\(TenantName.header): \(problem)")
        }
        return nil
    }

    /// The tenant called `name`, made from the seed if it does not exist yet. A name that is
    /// not a tenant name is refused (400), and so is a new tenant beyond `maximumCount`
    /// tenants besides the default one (409).
    public func tenant(named name: String, maximumCount: Int) throws -> Tenant {
        if let existing = try existingTenant(validating: name) { return existing }
        if createdCount >= maximumCount { throw Self.full(maximumCount) }
        // Made outside the lock: copying the seed takes a millisecond or so, and requests of
        // every other tenant must not wait for it. Two requests racing to create the same
        // tenant both make one; the first to register wins and the other copy is dropped.
        let made = Tenant(name: name, state: try StateStore(location: .memory, seed: seed), journalBudget: journalBudget)
        var isNew = false
        defer { if isNew { announce(made, .opened) } }
        return try named.write { tenants in
            if let winner = tenants[name] { return winner }
            guard tenants.count < maximumCount else { throw Self.full(maximumCount) }
            isNew = true
            tenants[name] = made
            // What the name's requests left in the seed view becomes the tenant's, under the
            // lock that `recordInSeedView` reads under, so no entry lands in between.
            if let view = existingSeedView {
                made.journal.adopt(view.journal.removeEntries(ofTenant: name))
                if let counters = view.existingAttachment(RateLimitCountersKey.self)?.takeCounters(prefixed: Self.rateKeyPrefix(name)) {
                    _ = made.attachment(RateLimitCountersKey.self) { counters }
                }
            }
            return made
        }
    }

    private static func full(_ maximumCount: Int) -> HTTPError {
        HTTPError(HTTPStatus(code: 409), message: "\(TenantName.header): there are already \(maximumCount) tenants (the max_tenants setting); delete one with DELETE /__admin/tenants/{name} or raise the setting")
    }

    /// The tenant called `name` if it exists; never creates one.
    public func existingTenant(named name: String) -> Tenant? {
        name == TenantName.defaultName ? defaultTenant : named.read { $0[name] }
    }

    /// Every tenant, the default one first, then by name.
    public var all: [Tenant] {
        [defaultTenant] + named.read { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// Tenants besides the default one (what `max_tenants` caps).
    public var createdCount: Int { named.read { $0.count } }

    /// Puts the tenant back as it was when new (see `Tenant.reset()`).
    public func reset(_ tenant: Tenant) throws {
        try tenant.reset()
        announce(tenant, .reset)
    }

    /// Replaces the tenant's state with an exported document (see `StateStore.importState`).
    public func importState(_ document: [UInt8], into tenant: Tenant) throws {
        try tenant.state.importState(Data(document))
        announce(tenant, .imported)
    }

    /// Tells the plug-ins the default tenant's state is open (once, at start-up).
    func announceDefaultOpened() {
        announce(defaultTenant, .opened)
    }

    /// Closes every tenant's state for good, at shutdown: the default one's database is
    /// checkpointed into its file, and the tenants' throwaway folders (uploaded files
    /// included) are removed. Requests still running afterwards fail.
    public func closeAll() throws {
        var firstError: (any Error)?
        // The seed view too: a throwaway state with a folder of its own.
        for tenant in all + (existingSeedView.map { [$0] } ?? []) {
            announce(tenant, .closing)
            do { try tenant.state.close() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    /// Removes a tenant with everything it holds. The default tenant cannot go (reset it
    /// instead).
    public func delete(named name: String) throws {
        guard name != TenantName.defaultName else {
            throw AdminError(field: "name", "the default tenant cannot be deleted; reset it with POST /__admin/reset")
        }
        guard let removed = named.write({ $0.removeValue(forKey: name) }) else {
            throw AdminError(.notFound, field: "name", "no tenant \(JSONString.quote(name))")
        }
        removed.retire()
        announce(removed, .deleted)
    }

    // MARK: The seed view

    /// The seed as a tenant that does not exist yet would start with it, shared read-only by
    /// every request that names one and is not a real caller's. Made on first use; its
    /// database refuses writes (`PRAGMA query_only`), so nothing one such request does can
    /// reach another.
    public func seedView() throws -> Tenant {
        try seedViewTenant.withLock { view in
            if let view { return view }
            let state = try StateStore(location: .memory, seed: seed)
            try state.database.writeWithoutTransaction { try $0.execute("PRAGMA query_only = ON") }
            let made = Tenant(name: TenantName.seedViewName, state: state, journalBudget: journalBudget)
            view = made
            return made
        }
    }

    /// The seed view if a request has made it.
    var existingSeedView: Tenant? { seedViewTenant.withLock { $0 } }

    /// Journals an entry of a request served from the seed view for the tenant it named:
    /// into that tenant if it was made meanwhile, else into the seed view's journal.
    func recordInSeedView(_ entry: JournalEntry, capacity: Int) {
        guard let view = existingSeedView else { return }
        named.read { tenants in
            (tenants[entry.tenant]?.journal ?? view.journal).record(entry, capacity: capacity)
        }
    }

    /// The seed view's rate-limit counters keep the tenant's name in front of each key.
    static func rateKeyPrefix(_ tenant: String) -> String { tenant + "\n" }

    // MARK: Journal memory

    /// Evicts the oldest entries of the largest journal, again until the journals together
    /// are within the budget. Called after each journaled request; an atomic load when
    /// within it. One pass at a time: a request that finds one running leaves it the work.
    func reclaimJournalMemory() {
        guard journalBudget.excess > 0,
            reclaiming.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return }
        defer { reclaiming.store(false, ordering: .releasing) }
        while journalBudget.excess > 0 {
            var journals = named.read { $0.values.map(\.journal) } + [defaultTenant.journal]
            if let view = existingSeedView { journals.append(view.journal) }
            guard let largest = journals.max(by: { $0.approximateBytes < $1.approximateBytes }),
                largest.evictOldest(freeing: journalBudget.excess) > 0
            else { return }
        }
    }
}
