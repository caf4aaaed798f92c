import Emulator
import HTTP

/// The Rosa File Store API (ROSA Linux's ABF file store) on its own port: find, upload,
/// download and delete files by SHA-1, HTTP Basic authentication, the hourly rate limit and
/// the documented error bodies. See docs/rosa.md.
public struct RosaFileStoreService: APIService {
    public let api = EmulatedAPI.rosa
    public let limits: RosaFileStoreLimits
    public var errorRenderer: any ErrorRenderer { RosaErrorRenderer() }

    public init(limits: RosaFileStoreLimits = .default) {
        self.limits = limits
    }

    public func registerRoutes(on router: inout Router) {
        RosaRoutes(limits: limits).register(on: &router)
        ServedOpenAPIDocument.register(on: &router) { routes in RosaOpenAPI.document(routes: routes) }
    }

    /// Basic credentials of a user (a login or email with its password, or a token): only
    /// such a request makes the tenant it names.
    public func isAuthenticated(_ request: Request) throws -> Bool {
        try RosaAuthenticationMiddleware.rememberedCaller(for: request).user != nil
    }

    /// Authentication first (the rate limit is keyed by who the caller is), then the limit.
    public func middlewares(emulator: Emulator) -> [any Middleware] {
        [
            RosaAuthenticationMiddleware(),
            RateLimitMiddleware(api: api, settings: emulator.settings, policy: RosaRateLimitPolicy()),
        ]
    }
}
