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
}

extension APIService {
    public func middlewares(emulator: Emulator) -> [any Middleware] { [] }
}
