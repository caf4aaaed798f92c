import HTTP
import Synchronization

/// Per-API maintenance switches: an API in maintenance answers every request with 503 and
/// its documented maintenance body (what the real services show while they are updated).
/// The switch is the whole service's, like the real one: it holds for every tenant. (A
/// fault rule with `"status": 503` gives the same answer to one tenant only.)
public final class MaintenanceSwitches: Sendable {
    /// One bit per API. Read by every API request: an atomic load, no lock word written.
    private let bits = Atomic<UInt8>(0)

    public init() {}

    private static func bit(_ api: EmulatedAPI) -> UInt8 {
        UInt8(1) << UInt8(EmulatedAPI.allCases.firstIndex(of: api)!)
    }

    public func isOn(_ api: EmulatedAPI) -> Bool { bits.load(ordering: .relaxed) & Self.bit(api) != 0 }

    public func set(_ api: EmulatedAPI, on enabled: Bool) {
        if enabled {
            bits.bitwiseOr(Self.bit(api), ordering: .relaxed)
        } else {
            bits.bitwiseAnd(~Self.bit(api), ordering: .relaxed)
        }
    }

    public var apisInMaintenance: Set<EmulatedAPI> { Set(EmulatedAPI.allCases.filter(isOn)) }
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
