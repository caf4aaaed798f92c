import HTTP

/// Every tenant of one emulator by name: the default one (backed by the database `--db`
/// names) and those made from the seed on first use, each with an in-memory state of its
/// own.
public final class TenantRegistry: Sendable {
    /// Read by every request, written when a tenant is made, reset or deleted.
    private let tenants: ReadWriteLock<[String: Tenant]>
    /// The seed every new tenant copies; the default tenant's, so all tenants start alike.
    private let seed: Seed

    init(defaultState: StateStore) {
        seed = defaultState.seed
        tenants = ReadWriteLock([TenantName.defaultName: Tenant(name: TenantName.defaultName, state: defaultState)])
    }

    public var defaultTenant: Tenant {
        tenants.read { $0[TenantName.defaultName]! }
    }

    /// The tenant called `name`, made from the seed if it does not exist yet. A name that is
    /// not a tenant name is refused (400), and so is a new tenant beyond `maximumCount`
    /// tenants besides the default one (409).
    public func tenant(named name: String, maximumCount: Int) throws -> Tenant {
        if let existing = tenants.read({ $0[name] }) { return existing }
        if let problem = TenantName.problem(with: name) {
            throw HTTPError(.badRequest, message: "\(TenantName.header): \(problem)")
        }
        try checkRoom(maximumCount: maximumCount)
        // Made outside the lock: copying the seed takes milliseconds, and requests of every
        // other tenant must not wait for it. Two requests racing to create the same tenant
        // both make one; the first to register wins and the other copy is dropped.
        let made = Tenant(name: name, state: try StateStore(location: .memory, seed: seed))
        return try tenants.write { tenants in
            if let winner = tenants[name] { return winner }
            guard tenants.count - 1 < maximumCount else { throw Self.full(maximumCount) }
            tenants[name] = made
            return made
        }
    }

    private func checkRoom(maximumCount: Int) throws {
        let count = tenants.read { $0.count - 1 }
        if count >= maximumCount { throw Self.full(maximumCount) }
    }

    private static func full(_ maximumCount: Int) -> HTTPError {
        HTTPError(HTTPStatus(code: 409), message: "\(TenantName.header): there are already \(maximumCount) tenants (the max_tenants setting); delete one with DELETE /__admin/tenants/{name} or raise the setting")
    }

    /// The tenant called `name` if it exists; never creates one.
    public func existingTenant(named name: String) -> Tenant? {
        tenants.read { $0[name] }
    }

    /// Every tenant, the default one first, then by name.
    public var all: [Tenant] {
        let all = tenants.read { Array($0.values) }
        return all.sorted { ($0.name == TenantName.defaultName ? "" : $0.name) < ($1.name == TenantName.defaultName ? "" : $1.name) }
    }

    /// Tenants besides the default one (what `max_tenants` caps).
    public var createdCount: Int { tenants.read { $0.count - 1 } }

    /// Puts the tenant back as it was when new: its state to the seed (data and files), and
    /// a fresh clock (real time), rule list, journal and attachments (rate-limit counters,
    /// jobs). Returns the successor, which later requests get.
    @discardableResult
    public func reset(_ tenant: Tenant) throws -> Tenant {
        try tenant.state.reset()
        let successor = Tenant(name: tenant.name, state: tenant.state)
        let replaced = tenants.write { tenants -> Bool in
            guard tenants[tenant.name] === tenant else { return false }
            tenants[tenant.name] = successor
            return true
        }
        // A concurrent reset or deletion got there first; its outcome stands.
        guard replaced else { return tenants.read { $0[tenant.name] } ?? successor }
        tenant.retire()
        return successor
    }

    /// Removes a tenant with everything it holds. The default tenant cannot go (reset it
    /// instead).
    public func delete(named name: String) throws {
        guard name != TenantName.defaultName else {
            throw AdminError(field: "name", "the default tenant cannot be deleted; reset it with POST /__admin/reset")
        }
        guard let removed = tenants.write({ $0.removeValue(forKey: name) }) else {
            throw AdminError(.notFound, field: "name", "no tenant \(JSONString.quote(name))")
        }
        removed.retire()
    }
}
