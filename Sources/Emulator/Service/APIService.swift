import HTTP

/// What one emulated API serves on its listener: its routes, the one place that turns
/// errors into its documented bodies, and middleware of its own (e.g. a rate limiter).
/// (Its data and admin routes come with its `APIPlugin`.)
public protocol APIService: Sendable {
    var api: EmulatedAPI { get }
    var errorRenderer: any ErrorRenderer { get }
    func registerRoutes(on router: inout Router)
    /// Runs after tenant selection, the journal, faults and maintenance, around the routes.
    /// Errors thrown inside it (by handlers or the router) reach it already rendered as
    /// responses, so it can decorate every answer (e.g. `X-RateLimit-*` headers on errors
    /// too).
    func middlewares(emulator: Emulator) -> [any Middleware]
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
}
