import EmulatorState
import HTTP
import Logging
import Primitives
import Processes

/// Who may use the admin API (`--admin-token`, `--no-admin`).
public enum AdminAccess: Sendable, Equatable {
    /// Anyone who can reach the port (the default: a local development tool).
    case open
    /// Admin calls need `Authorization: Bearer <token>`, else 401.
    case token(String)
    /// Admin paths are not served: they reach the API, which answers its own 404.
    case disabled
}

/// The emulator behind both listeners: settings, switches and tenants, shared by both APIs,
/// and the API plug-ins whose data the tenants' states hold.
public final class Emulator: Sendable {
    /// The emulated APIs, in the order the state's schema has them.
    public let plugins: [any APIPlugin]
    public let settings: SettingsStore
    public let maintenance = MaintenanceSwitches()
    public let tenants: TenantRegistry
    public let adminAccess: AdminAccess
    public let logger: Logger
    let journalSequence = JournalSequence()
    /// Per API, the admin responder, built on first use. Read on every admin request:
    /// readers must not serialise (a mutex here was measured to halve the throughput of
    /// /__admin/health under 50 connections).
    private let adminResponders = ReadWriteLock<[EmulatedAPI: any Responder]>([:])
    /// The real parts once looked at (read by health without waiting for a look in progress).
    private let realPartsFound = AdaptiveMutex<[RealPart]?>(nil)
    /// Held while the machine is looked at, so that it is looked at once.
    private let realPartsLook = Lock()
    /// Whether health waits for nothing: the host looks at the parts off the request path.
    private let realPartsLookedAtByHost: Bool

    /// - Precondition: `plugins` are the plug-ins of `defaultState`'s schema, in its order
    ///   (a programming error otherwise). `journalBudgetBytes`: what every tenant's journal
    ///   may hold together (`ControlPlaneLimits.journalBytesMaximum`; tests lower it).
    ///   `realPartsLookedAtByHost`: the host asks `realParts` itself, off the request path
    ///   (`rostra serve`, after its banner: the app containers' look runs bubblewrap, which
    ///   the first answer must not wait for); health then names missing parts once they are
    ///   known, and never looks itself.
    public init(
        defaultState: StateStore, plugins: [any APIPlugin], settings: EmulatorSettings = EmulatorSettings(),
        adminAccess: AdminAccess = .open, logger: Logger, journalBudgetBytes: Int = ControlPlaneLimits.journalBytesMaximum,
        realPartsLookedAtByHost: Bool = false
    ) {
        self.realPartsLookedAtByHost = realPartsLookedAtByHost
        precondition(
            plugins.map(\.state.name) == defaultState.schema.plugins.map(\.name),
            "the emulator's plug-ins must be those of its state's schema")
        self.plugins = plugins
        self.settings = SettingsStore(settings)
        self.tenants = TenantRegistry(defaultState: defaultState, journalBudget: JournalBudget(limit: journalBudgetBytes)) {
            tenant, event in
            for plugin in plugins { plugin.tenant(tenant, did: event) }
        }
        self.adminAccess = adminAccess
        self.logger = logger
        tenants.announceDefaultOpened()
    }

    /// The real programs every plug-in's hosting plane needs, and whether each is usable
    /// here (`APIPlugin.checkRealParts()`), looked at once on first use.
    public var realParts: [RealPart] {
        if let found = realPartsFound.withLock({ $0 }) { return found }
        return realPartsLook.withLock {
            if let found = realPartsFound.withLock({ $0 }) { return found }
            let parts = plugins.flatMap { $0.checkRealParts() }
            realPartsFound.withLock { $0 = parts }
            return parts
        }
    }

    /// Those of `realParts` that are not usable: what the banner and health name.
    public var missingParts: [RealPart] { realParts.filter { !$0.isAvailable } }

    /// What health names: `missingParts`, or, where the host looks at the parts itself
    /// (`realPartsLookedAtByHost`), those known so far (none before its look is done).
    var missingPartsForHealth: [RealPart] {
        guard realPartsLookedAtByHost else { return missingParts }
        return (realPartsFound.withLock { $0 } ?? []).filter { !$0.isAvailable }
    }

    /// Closes every tenant's state, at shutdown, once the listeners have stopped (see
    /// `TenantRegistry.closeAll()`).
    public func close() throws {
        try tenants.closeAll()
    }

    /// The tenant of requests without `X-Rostra-Tenant`.
    public var defaultTenant: Tenant { tenants.defaultTenant }

    /// The tenant an admin call works in: the one `X-Rostra-Tenant` names, made from the
    /// seed on first use, or the default one. A bad name is refused with 400, a new tenant
    /// beyond `max_tenants` with 409.
    public func tenant(for request: Request) throws -> Tenant {
        guard let name = request.headers[TenantName.header] else { return tenants.defaultTenant }
        return try tenants.tenant(named: String(name.trimmingHTTPWhitespace()), maximumCount: settings.maxTenants)
    }

    /// The tenant an API request works in. A tenant that does not exist yet is made only
    /// for a request `isAuthenticated` accepts — judged against the seed view, the state
    /// the tenant would start with; any other request is served from the seed view, with
    /// the name it gave (`TenantRegistry` says why). A bad name is refused with 400, a new
    /// tenant beyond `max_tenants` with 409.
    func apiTenant(for request: Request, isAuthenticated: (Request) throws -> Bool) throws -> (Tenant, seedViewName: String?) {
        guard let header = request.headers[TenantName.header] else { return (tenants.defaultTenant, nil) }
        let name = String(header.trimmingHTTPWhitespace())
        if let existing = try tenants.existingTenant(validating: name) { return (existing, nil) }
        let view = try tenants.seedView()
        var probe = request
        probe.storage[TenantRequestKey.self] = view
        guard try isAuthenticated(probe) else { return (view, name) }
        return (try tenants.tenant(named: name, maximumCount: settings.maxTenants), nil)
    }

    /// The full responder for one API's listener. `/__admin/` goes to the admin API (see
    /// `adminRouter(for:)`), which none of the API's layers touch; everything else goes
    /// through
    ///
    ///     tenant ▸ journal ▸ latency and faults ▸ maintenance ▸ the service's middleware
    ///            ▸ error rendering ▸ routes
    ///
    /// Faults come before maintenance and the service's middleware (rate limits, auth), as
    /// the real front end fails before the application is reached; the journal comes
    /// before faults so it records what they did.
    public func responder(for service: some APIService) -> any Responder {
        responder(for: service, leavingOut: [])
    }

    /// Layers of the API stack that a measurement can leave out, to see what they cost
    /// (scripts/bench-control); the emulator itself always has them all.
    @_spi(Measurement) public struct APILayers: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let journal = APILayers(rawValue: 1)
        public static let faults = APILayers(rawValue: 2)
    }

    @_spi(Measurement) public func responder(for service: some APIService, leavingOut omitted: APILayers) -> any Responder {
        var apiRouter = Router()
        service.registerRoutes(on: &apiRouter)
        let layers: [any Middleware] = [
            ControlPlaneMiddleware(
                emulator: self, renderer: service.errorRenderer,
                journal: omitted.contains(.journal) ? nil : JournalRecorder(api: service.api, sequence: journalSequence),
                faults: omitted.contains(.faults) ? nil : FaultInjector(api: service.api, settings: settings),
                isAuthenticated: { try service.isAuthenticated($0) }),
            MaintenanceMiddleware(api: service.api, switches: maintenance),
        ]
        let api = apiRouter.wrapped(in: layers + service.middlewares(emulator: self) + [ErrorRenderingMiddleware(renderer: service.errorRenderer)])
        var health = Router()
        AdminRoutes.registerHealth(on: &health, api: service.api, emulator: self)
        return ListenerResponder(api: service.api, emulator: self, apiResponder: api, healthResponder: health)
    }

    /// The admin routes a listener of `api` serves: the emulator's own, those of every
    /// plug-in, and `openapi.json` describing them all. (With `--no-admin` only `health`
    /// is served.)
    public func adminRouter(for api: EmulatedAPI) -> Router {
        var router = Router()
        AdminRoutes.registerHealth(on: &router, api: api, emulator: self)
        guard adminAccess != .disabled else { return router }
        var documentation = AdminRoutes.register(on: &router, emulator: self)
        for plugin in plugins { plugin.registerAdminRoutes(on: &router, emulator: self) }
        AdminRoutes.registerOpenAPI(on: &router, documentation: &documentation, access: adminAccess)
        return router
    }

    /// The admin API of one listener, built on first use.
    func adminResponder(for api: EmulatedAPI) -> any Responder {
        if let built = adminResponders.read({ $0[api] }) { return built }
        let built = adminRouter(for: api).wrapped(in: [
            ErrorRenderingMiddleware(renderer: AdminErrorRenderer()),
            AdminAccessMiddleware(access: adminAccess),
            TenantMiddleware(emulator: self),
        ])
        adminResponders.write { $0[api] = built }
        return built
    }

    /// Whether `path` (already known to start with the admin prefix) is the admin API's.
    func servesAdmin(_ path: String) -> Bool {
        adminAccess != .disabled || path == AdminRoutes.healthPath
    }
}

/// One listener: admin paths to the admin API, the rest to the API's stack.
struct ListenerResponder: Responder {
    let api: EmulatedAPI
    let emulator: Emulator
    let apiResponder: any Responder
    /// `/__admin/health` on its own, so that a wait-for-ready loop (and the very first
    /// request after start-up) never waits for the whole admin API and its OpenAPI
    /// description to be built.
    let healthResponder: Router

    func respond(to request: Request) throws -> Response {
        if request.path == AdminRoutes.healthPath {
            return try healthResponder.respond(to: request)
        }
        if request.path.hasPrefix(AdminRoutes.prefix), emulator.servesAdmin(request.path) {
            return try emulator.adminResponder(for: api).respond(to: request)
        }
        return try apiResponder.respond(to: request)
    }
}

/// Selects the request's tenant before anything else runs.
struct TenantMiddleware: Middleware {
    let emulator: Emulator

    func respond(to request: Request, next: any Responder) throws -> Response {
        // What is open without the admin token (the dashboard's files, health) needs no
        // tenant, and must not make one: only an authorised call may create a tenant.
        if AdminAccessMiddleware.isOpen(request) { return try next.respond(to: request) }
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
