import HTTP

/// Per-API maintenance switches: an API in maintenance answers every request with 503 and
/// its documented maintenance body (what the real services show while they are updated).
/// The switch is the whole service's, like the real one: it holds for every tenant. (A
/// fault rule with `"status": 503` gives the same answer to one tenant only.)
public final class MaintenanceSwitches: Sendable {
    /// Read by every API request.
    private let on = ReadWriteLock<Set<EmulatedAPI>>([])

    public init() {}

    public func isOn(_ api: EmulatedAPI) -> Bool { on.read { $0.contains(api) } }

    public func set(_ api: EmulatedAPI, on enabled: Bool) {
        _ = on.write { enabled ? $0.insert(api).inserted : ($0.remove(api) != nil) }
    }

    public var apisInMaintenance: Set<EmulatedAPI> { on.read { $0 } }
}

struct MaintenanceMiddleware: Middleware {
    let api: EmulatedAPI
    let switches: MaintenanceSwitches

    func respond(to request: Request, next: any Responder) throws -> Response {
        if switches.isOn(api) {
            throw HTTPError(.serviceUnavailable, message: "\(api.rawValue) is in maintenance")
        }
        return try next.respond(to: request)
    }
}
