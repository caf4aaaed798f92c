import Emulator
import EmulatorState
import HTTP
import Store

/// A Rosa user as authentication knows it.
struct RosaUser: Sendable, Equatable {
    let id: Int64
    let uname: String
    let role: String

    /// Admins may delete anyone's files ("Users are only able to delete their own files").
    var isAdmin: Bool { role == "admin" }
}

/// Who sent a request, decided once per request by `RosaAuthenticationMiddleware`: the
/// rate limiter counts by it and the handlers that need a user read it.
enum RosaCaller: Sendable, Equatable {
    /// No Basic credentials.
    case anonymous
    /// Basic credentials that match no user. Endpoints open to everyone ignore them, as
    /// the real server does; endpoints that need a user answer 401 "Invalid email or password."
    case rejected
    /// `login:password` or `email:password`.
    case signedIn(RosaUser)
    /// An API token as the user name, with an empty password.
    case token(String, RosaUser)

    var user: RosaUser? {
        switch self {
        case .anonymous, .rejected: nil
        case .signedIn(let user), .token(_, let user): user
        }
    }
}

enum RosaCallerKey: RequestStorageKey {
    typealias Value = RosaCaller
}

extension Request {
    /// Who sent the request (anonymous until the authentication middleware has run).
    var rosaCaller: RosaCaller { storage[RosaCallerKey.self] ?? .anonymous }

    /// The authenticated user, or the documented 401 for an endpoint that needs one.
    func authenticatedRosaUser() throws(RosaError) -> RosaUser {
        switch rosaCaller {
        case .anonymous: throw .authenticationRequired
        case .rejected: throw .invalidCredentials
        case .signedIn(let user), .token(_, let user): return user
        }
    }
}

/// Checks Basic credentials against `rosa_users` of the request's tenant: a login or an
/// email (case-insensitive, as the column is) with its password, or a token as the user
/// name with an empty password.
struct RosaAuthenticationMiddleware: Middleware {
    func respond(to request: Request, next: any Responder) throws -> Response {
        var request = request
        request.storage[RosaCallerKey.self] = try Self.rememberedCaller(for: request)
        return try next.respond(to: request)
    }

    /// Who the credentials name, remembered per `Authorization` value while the users
    /// table (the whole database, to be exact) is unchanged: clients send the same header
    /// with every request, and looking it up was most of an authenticated find's cost.
    static func rememberedCaller(for request: Request) throws -> RosaCaller {
        let authorization = request.headers["Authorization"]
        guard let authorization else { return .anonymous }
        let tenant = try request.tenant()
        let callers = tenant.attachment(CallerCacheKey.self) { VersionedCache<RosaCaller>() }
        return try callers.value(for: authorization, in: tenant.state.database) {
            (try caller(for: request), true)
        }
    }

    private enum CallerCacheKey: TenantAttachmentKey {
        typealias Value = VersionedCache<RosaCaller>
    }

    static func caller(for request: Request) throws -> RosaCaller {
        let credentials: BasicCredentials
        switch BasicCredentials.parse(authorization: request.headers["Authorization"]) {
        case .absent: return .anonymous
        case .malformed: return .rejected
        case .credentials(let parsed): credentials = parsed
        }
        let database = try request.tenant().state.database
        if credentials.password.isEmpty {
            guard !credentials.userName.isEmpty,
                let user = try database.read({ conn in
                    try conn.fetchOne("SELECT id, uname, role FROM rosa_users WHERE token = ?", [credentials.userName])
                        .map(user(from:))
                })
            else { return .rejected }
            return .token(credentials.userName, user)
        }
        let user = try database.read { conn in
            try conn.fetchOne(
                "SELECT id, uname, role FROM rosa_users WHERE (uname = ? OR email = ?) AND password = ?",
                [credentials.userName, credentials.userName, credentials.password]
            ).map(user(from:))
        }
        return user.map(RosaCaller.signedIn) ?? .rejected
    }

    private static func user(from row: Row) throws -> RosaUser {
        RosaUser(id: try row["id"], uname: try row["uname"], role: try row["role"])
    }
}

/// Rosa's rate limit (reference "Rate limiting"): every request under `/api/v1` counts,
/// keyed by the authenticated login, else the token, else the client's address.
struct RosaRateLimitPolicy: RateLimitPolicy {
    func isLimited(_ request: Request) -> Bool {
        request.path == RosaRoutes.apiRoot || request.path.hasPrefix(RosaRoutes.apiRoot + "/")
    }

    func clientKey(for request: Request) throws -> String {
        switch request.rosaCaller {
        case .signedIn(let user): "login:" + user.uname
        case .token(let token, _): "token:" + token
        case .anonymous, .rejected: "ip:" + request.remoteAddress
        }
    }

    func rejection(for request: Request, decision: RateLimitDecision) -> Response {
        RosaErrorRenderer.response(for: RosaError.rateLimitExceeded)
    }
}
