import EmulatorState
import HTTP
import JSON

/// Every tenant of one emulator by name: the default one (backed by the database `--db`
/// names) and those made from the seed on first use, each with an in-memory state of its
/// own.
public final class TenantRegistry: Sendable {
    /// The tenant of requests without `X-Rostra-Tenant`. Never replaced (a reset works in
    /// place), so the most common request reaches it without any lock.
    public let defaultTenant: Tenant
    /// Tenants made on first use. Read by every request that names one, written when one is
    /// made or deleted.
    private let named = ReadWriteLock<[String: Tenant]>([:])
    /// The seed every new tenant copies; the default tenant's, so all tenants start alike.
    private let seed: Seed

    init(defaultState: StateStore) {
        seed = defaultState.seed
        defaultTenant = Tenant(name: TenantName.defaultName, state: defaultState)
    }

    /// The tenant called `name`, made from the seed if it does not exist yet. A name that is
    /// not a tenant name is refused (400), and so is a new tenant beyond `maximumCount`
    /// tenants besides the default one (409).
    public func tenant(named name: String, maximumCount: Int) throws -> Tenant {
        if name == TenantName.defaultName { return defaultTenant }
        if let existing = named.read({ $0[name] }) { return existing }
        if let problem = TenantName.problem(with: name) {
            throw HTTPError(.badRequest, message: "\(TenantName.header): \(problem)")
        }
        if createdCount >= maximumCount { throw Self.full(maximumCount) }
        // Made outside the lock: copying the seed takes a millisecond or so, and requests of
        // every other tenant must not wait for it. Two requests racing to create the same
        // tenant both make one; the first to register wins and the other copy is dropped.
        let made = Tenant(name: name, state: try StateStore(location: .memory, seed: seed))
        return try named.write { tenants in
            if let winner = tenants[name] { return winner }
            guard tenants.count < maximumCount else { throw Self.full(maximumCount) }
            tenants[name] = made
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
    }

    /// Closes every tenant's state for good, at shutdown: the default one's database is
    /// checkpointed into its file, and the tenants' throwaway folders (uploaded files
    /// included) are removed. Requests still running afterwards fail.
    public func closeAll() throws {
        var firstError: (any Error)?
        for tenant in all {
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
    }
}
