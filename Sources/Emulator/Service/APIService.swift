import HTTP

/// What one emulated API contributes: its routes, the one place that turns errors into its
/// documented bodies, middleware of its own (e.g. a rate limiter) and admin routes of its
/// own (e.g. jobs).
public protocol APIService: Sendable {
    var api: EmulatedAPI { get }
    var errorRenderer: any ErrorRenderer { get }
    func registerRoutes(on router: inout Router)
    /// Runs after tenant selection, the journal, faults and maintenance, around the routes.
    /// Errors thrown inside it (by handlers or the router) reach it already rendered as
    /// responses, so it can decorate every answer (e.g. `X-RateLimit-*` headers on errors
    /// too).
    func middlewares(emulator: Emulator) -> [any Middleware]
    /// Admin routes of this API, with full paths under `/__admin/` (e.g.
    /// `/__admin/jobs/{id}/complete`). The admin API is the same on every port, so they are
    /// served on every listener of the emulator, behind the admin token and tenant selection
    /// like the emulator's own; `Request.tenant()` gives the tenant the call acts on. Throw
    /// `AdminError` (or `HTTPError`) for a refusal; answers are JSON. Each route appears in
    /// `GET /__admin/openapi.json` with its `name` as the summary.
    func registerAdminRoutes(on router: inout Router, emulator: Emulator)
    /// Whether the request comes from a real caller: credentials that name a user of this
    /// API in the request's tenant (`Request.tenant()`). Asked only of a request that names
    /// a tenant that does not exist yet, with the seed view as its tenant (the state that
    /// tenant would start with): only a request it accepts makes the tenant, the rest are
    /// served from the seed view without one, so a tenant holds memory only when a real
    /// caller made it. Must not write. The default, for a service without authentication,
    /// accepts every request.
    func isAuthenticated(_ request: Request) throws -> Bool
}

extension APIService {
    public func isAuthenticated(_ request: Request) throws -> Bool { true }
    public func middlewares(emulator: Emulator) -> [any Middleware] { [] }
    public func registerAdminRoutes(on router: inout Router, emulator: Emulator) {}
}
