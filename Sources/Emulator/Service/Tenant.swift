import HTTP
import Synchronization

/// One isolated emulator world: its state, its clock, and whatever per-tenant objects the
/// API modules attach (rate-limit counters, job schedulers). Requests reach theirs through
/// `Request.tenant()`.
public final class Tenant: Sendable {
    public let name: String
    public let state: StateStore
    public let clock: EmulatorClock
    private let attachments = Mutex<[ObjectIdentifier: any Sendable]>([:])

    public init(name: String, state: StateStore, clock: EmulatorClock = EmulatorClock()) {
        self.name = name
        self.state = state
        self.clock = clock
    }

    /// The tenant's object for `key`, made by `create` on first use (once, under a lock):
    /// how an API module keeps per-tenant state without the emulator knowing its type.
    public func attachment<Key: TenantAttachmentKey>(_ key: Key.Type, create: () throws -> Key.Value) rethrows -> Key.Value {
        try attachments.withLock { attached in
            if let existing = attached[ObjectIdentifier(key)] as? Key.Value { return existing }
            let made = try create()
            attached[ObjectIdentifier(key)] = made
            return made
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

extension Request {
    /// The tenant this request works in, set by the emulator's tenant middleware.
    public func tenant() throws -> Tenant {
        guard let tenant = storage[TenantRequestKey.self] else {
            throw HTTPError(.internalServerError, message: "no tenant selected for this request")
        }
        return tenant
    }
}
