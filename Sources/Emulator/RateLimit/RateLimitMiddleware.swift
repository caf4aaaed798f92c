import HTTP

/// What an API tells the generic rate-limit middleware: which requests count, whose they
/// are, and what the API answers over the limit (its own documented body).
public protocol RateLimitPolicy: Sendable {
    /// Whether the request is limited and reported at all (e.g. only `/api/v1/…` paths).
    func isLimited(_ request: Request) -> Bool
    /// The key the request is counted under: a login, a token, a client address. Keys of
    /// different APIs never meet: the middleware puts the API's name in front.
    func clientKey(for request: Request) throws -> String
    /// The answer to a request over the limit. The middleware adds the rate-limit headers.
    func rejection(for request: Request, decision: RateLimitDecision) -> Response
}

/// Per-tenant counters: each tenant's limits are its own, like the rest of its state.
enum RateLimitCountersKey: TenantAttachmentKey {
    typealias Value = FixedWindowRateLimiter
}

/// Counts every limited request of an API in fixed windows of the tenant's clock and adds
/// `X-RateLimit-Limit` and `X-RateLimit-Remaining` to every answer, errors included; over
/// the limit it answers the policy's rejection, with `Retry-After` (the seconds until the
/// window ends; the production limiter sent none, and a client may ignore it).
///
/// The limit, the window and whether the API is limited at all are read from the settings
/// on each request, so `PUT /__admin/settings` applies to the very next one.
///
/// It sits outside the API's error rendering (see `Emulator.responder(for:)`), so errors of
/// the routes reach it as responses and get the headers too.
public struct RateLimitMiddleware: Middleware {
    public let api: EmulatedAPI
    private let settings: SettingsStore
    private let policy: any RateLimitPolicy

    public init(api: EmulatedAPI, settings: SettingsStore, policy: any RateLimitPolicy) {
        self.api = api
        self.settings = settings
        self.policy = policy
    }

    public func respond(to request: Request, next: any Responder) throws -> Response {
        let current = settings.value
        guard current.rateLimitedAPIs.contains(api), policy.isLimited(request) else {
            return try next.respond(to: request)
        }
        let tenant = try request.tenant()
        let limiter = tenant.attachment(RateLimitCountersKey.self) { FixedWindowRateLimiter() }
        let now = tenant.clock.now()
        var key = "\(api.rawValue) \(try policy.clientKey(for: request))"
        if let name = request.storage[SeedViewNameKey.self] {
            // Served from the seed view: counted under the tenant it named, to move there
            // if that tenant is made. Names cost nothing to invent, so past a bound of keys
            // in the current window the rest share one count (`*` is no tenant's name).
            let owner = limiter.trackedKeyCount < ControlPlaneLimits.seedViewRateLimitKeysMaximum ? name : "*"
            key = TenantRegistry.rateKeyPrefix(owner) + key
        }
        let decision = limiter.record(key: key, at: now, limit: current.rateLimit, windowSeconds: current.rateWindowSeconds)

        var response: Response
        if decision.isAllowed {
            response = try next.respond(to: request)
        } else {
            response = policy.rejection(for: request, decision: decision)
            let secondsLeft = max(1, Int((decision.windowEnd - now).rounded(.up)))
            response.headers.replaceOrAdd(name: "Retry-After", value: String(secondsLeft))
        }
        response.headers.replaceOrAdd(name: "X-RateLimit-Limit", value: String(decision.limit))
        response.headers.replaceOrAdd(name: "X-RateLimit-Remaining", value: String(decision.remaining))
        return response
    }
}
