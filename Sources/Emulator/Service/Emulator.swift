import HTTP
import Logging

/// What one emulated API contributes: its routes and the one place that turns errors into
/// its documented bodies.
public protocol APIService: Sendable {
    var api: EmulatedAPI { get }
    var errorRenderer: any ErrorRenderer { get }
    func registerRoutes(on router: inout Router)
}

/// The emulator behind both listeners: settings and tenants, shared by both APIs.
public final class Emulator: Sendable {
    public let settings: SettingsStore
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

    /// The full responder for one API's listener: admin routes, the API's routes, and the
    /// emulator's middleware around them.
    public func responder(for service: some APIService) -> any Responder {
        var router = Router()
        AdminRoutes.register(on: &router, api: service.api)
        service.registerRoutes(on: &router)
        return router.wrapped(in: [TenantMiddleware(emulator: self)])
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
