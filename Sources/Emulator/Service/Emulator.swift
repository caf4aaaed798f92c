import HTTP
import Logging
import Synchronization

/// What one emulated API contributes: its routes, the one place that turns errors into its
/// documented bodies, and middleware of its own (e.g. a rate limiter).
public protocol APIService: Sendable {
    var api: EmulatedAPI { get }
    var errorRenderer: any ErrorRenderer { get }
    func registerRoutes(on router: inout Router)
    /// Runs after tenant selection and maintenance, around the routes. Errors thrown inside
    /// it (by handlers or the router) reach it already rendered as responses, so it can
    /// decorate every answer (e.g. `X-RateLimit-*` headers on errors too).
    func middlewares(emulator: Emulator) -> [any Middleware]
}

extension APIService {
    public func middlewares(emulator: Emulator) -> [any Middleware] { [] }
}

/// The emulator behind both listeners: settings, switches and tenants, shared by both APIs.
public final class Emulator: Sendable {
    public let settings: SettingsStore
    public let maintenance = MaintenanceSwitches()
    public let defaultTenant: Tenant
    public let logger: Logger

    public init(defaultState: StateStore, settings: EmulatorSettings = EmulatorSettings(), logger: Logger) {
        self.settings = SettingsStore(settings)
        self.defaultTenant = Tenant(name: "default", state: defaultState)
        self.logger = logger
    }

    /// The tenant a request works in. (Every request uses the default tenant until the
    /// `X-Rostra-Tenant` header is served by the control plane.)
    public func tenant(for request: Request) throws -> Tenant {
        defaultTenant
    }

    /// The full responder for one API's listener. `/__admin/` goes to the admin routes and
    /// skips the API's middleware (maintenance and rate limits are for the API, never for
    /// the control surface); everything else goes through
    /// tenant ▸ maintenance ▸ the service's middleware ▸ error rendering ▸ routes.
    public func responder(for service: some APIService) -> any Responder {
        var adminRouter = Router()
        AdminRoutes.register(on: &adminRouter, api: service.api)
        var apiRouter = Router()
        service.registerRoutes(on: &apiRouter)
        let api = apiRouter.wrapped(in:
            [TenantMiddleware(emulator: self), MaintenanceMiddleware(api: service.api, switches: maintenance)]
            + service.middlewares(emulator: self)
            + [ErrorRenderingMiddleware(renderer: service.errorRenderer)])
        let admin = adminRouter.wrapped(in: [TenantMiddleware(emulator: self)])
        return PrefixDispatch(prefix: AdminRoutes.prefix, matching: admin, otherwise: api)
    }
}

/// Selects the request's tenant before anything else runs.
struct TenantMiddleware: Middleware {
    let emulator: Emulator

    func respond(to request: Request, next: any Responder) throws -> Response {
        var request = request
        request.storage[TenantRequestKey.self] = try emulator.tenant(for: request)
        return try next.respond(to: request)
    }
}

/// Turns errors from inside into the API's documented responses at this depth, so that
/// middleware outside sees every answer as a response.
public struct ErrorRenderingMiddleware: Middleware {
    let renderer: any ErrorRenderer

    public init(renderer: any ErrorRenderer) { self.renderer = renderer }

    public func respond(to request: Request, next: any Responder) throws -> Response {
        do {
            return try next.respond(to: request)
        } catch {
            return renderer.response(for: error, request: request)
        }
    }
}

/// Sends paths under a prefix to one responder and the rest to another.
struct PrefixDispatch: Responder {
    let prefix: String
    let matching: any Responder
    let otherwise: any Responder

    func respond(to request: Request) throws -> Response {
        try (request.path.hasPrefix(prefix) ? matching : otherwise).respond(to: request)
    }
}

/// Per-API maintenance switches: an API in maintenance answers every request with 503 and
/// its documented maintenance body (what the real services show while they are updated).
public final class MaintenanceSwitches: Sendable {
    private let on = Mutex<Set<EmulatedAPI>>([])

    public init() {}

    public func isOn(_ api: EmulatedAPI) -> Bool { on.withLock { $0.contains(api) } }

    public func set(_ api: EmulatedAPI, on enabled: Bool) {
        _ = on.withLock { enabled ? $0.insert(api).inserted : ($0.remove(api) != nil) }
    }

    public var apisInMaintenance: Set<EmulatedAPI> { on.withLock { $0 } }
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
