import EmulatorState
import HTTP
import JSON
import Processes

/// Which emulated API a listener serves.
public enum EmulatedAPI: String, Sendable, Codable, CaseIterable {
    case rosti
    case rosa
}

/// The emulator's control surface under the reserved prefix `/__admin/` (the WireMock
/// convention), the same on every API's port. JSON in and out; every call acts on the
/// tenant its request selects (`X-Rostra-Tenant`, else the default one). Admin calls are
/// not journaled and never meet faults, latency, maintenance or rate limits.
/// docs/admin-api.md describes each call.
public enum AdminRoutes {
    public static let prefix = "/__admin/"
    public static let healthPath = prefix + "health"
    /// Served without the admin token: health, and the dashboard's files, which hold no
    /// state (the calls they make need the token).
    static let openPaths: Set<String> = dashboardFiles.union([healthPath])

    /// `GET /__admin/health`: liveness and version, for wait-for-ready loops. Open even with
    /// `--admin-token` or `--no-admin`: it tells nothing and changes nothing. Unhealthy
    /// (503) when the start-up check found the database file damaged: every call touching
    /// the damaged pages would answer 500, and a harness must not wait on a broken world.
    /// Real parts of the hosting plane that are missing are listed (`missing`), with the
    /// command that installs each; the APIs work without them, so health stays ok.
    static func registerHealth(on router: inout Router, api: EmulatedAPI, emulator: Emulator) {
        let state = emulator.defaultTenant.state
        router.add(.get, healthPath, name: "Liveness and version") { _ in
            var answer: JSONObject = ["status": "ok", "version": .string(RostraVersion.string), "api": .string(api.rawValue)]
            let missing = emulator.missingPartsForHealth
            if !missing.isEmpty { answer["missing"] = .array(missing.map(Self.json)) }
            guard case .damaged(let problems) = state.integrity else { return AdminReply.json(.object(answer)) }
            answer["status"] = "unhealthy"
            answer["problem"] = .string("\(state.location) is damaged: " + problems.prefix(3).joined(separator: "; "))
            answer["remedy"] = .string(Self.damagedStateRemedy)
            return AdminReply.json(.object(answer), status: .serviceUnavailable)
        }
    }

    /// `{"part", "needed_for", "install"}` (or `"problem"` and `"remedy"` for a part that is
    /// installed but refused).
    private static func json(_ part: RealPart) -> JSONValue {
        var fields: JSONObject = ["part": .string(part.name), "needed_for": .string(part.neededFor)]
        switch part.availability {
        case .available: break
        case .missing(let install): fields["install"] = .string(install)
        case .refused(let reason, let remedy):
            fields["problem"] = .string(reason)
            fields["remedy"] = .string(remedy)
        }
        return .object(fields)
    }

    /// The ways out of a damaged database file, for health and the log.
    public static let damagedStateRemedy =
        "start over from the seed with --reseed, or load an export with rostra import FILE (the damaged file is left as it is)"

    /// Every admin call of the emulator itself except health and openapi.json; returns
    /// their documentation.
    static func register(on router: inout Router, emulator: Emulator) -> AdminDocumentation {
        var documentation = AdminDocumentation()
        documentation.operations["GET \(healthPath)"] = AdminOperation(
            summary: "Liveness and version", description: "Open without the admin token and with --no-admin.",
            responses: [
                (200, "{\"status\": \"ok\", \"version\": …, \"api\": \"rosti\" | \"rosa\"}"),
                (503, "The state's database file is damaged: {\"status\": \"unhealthy\", \"version\", \"api\", \"problem\", \"remedy\"}"),
            ], isOpen: true)
        registerState(on: &router, documentation: &documentation, emulator: emulator)
        registerFaults(on: &router, documentation: &documentation, emulator: emulator)
        registerMaintenance(on: &router, documentation: &documentation, emulator: emulator)
        registerClock(on: &router, documentation: &documentation, emulator: emulator)
        registerJournal(on: &router, documentation: &documentation, emulator: emulator)
        registerSettings(on: &router, documentation: &documentation, emulator: emulator)
        registerAccounts(on: &router, documentation: &documentation, emulator: emulator)
        registerTenants(on: &router, documentation: &documentation, emulator: emulator)
        registerOverview(on: &router, documentation: &documentation, emulator: emulator)
        registerDashboard(on: &router, documentation: &documentation, emulator: emulator)
        return documentation
    }
}

/// Answers of the admin API.
enum AdminReply {
    static func json(_ value: JSONValue, status: HTTPStatus = .ok) -> Response {
        Response(status: status, contentType: "application/json", bytes: JSONWriter.bytes(value, .compact))
    }
}

/// Admin errors as `{"error": "<message>", "field": "<field>"}` (the field only when one is
/// to blame), whatever threw them: admin validation, the router (404, 405), state import.
struct AdminErrorRenderer: ErrorRenderer {
    func response(for error: any Error, request: Request?) -> Response {
        var body = JSONObject()
        let status: HTTPStatus
        var headers = HTTPHeaders()
        switch error {
        case let error as AdminError:
            status = error.status
            body["error"] = .string(error.description)
            if let field = error.field { body["field"] = .string(field) }
            headers = error.headers
        case let error as HTTPError:
            status = error.status
            body["error"] = .string(error.message ?? error.status.reasonPhrase)
            headers = error.headers
        case let error as StateImportError:
            status = .badRequest
            body["error"] = .string(error.description)
            body["field"] = "body"
        default:
            status = .internalServerError
            body["error"] = .string("\(error)")
        }
        var response = AdminReply.json(.object(body), status: status)
        for field in headers { response.headers.replaceOrAdd(name: field.name, value: field.value) }
        return response
    }
}

/// `--admin-token`: every admin call but health and the dashboard's files needs
/// `Authorization: Bearer <token>`.
struct AdminAccessMiddleware: Middleware {
    let access: AdminAccess

    func respond(to request: Request, next: any Responder) throws -> Response {
        if case .token(let token) = access, !Self.isOpen(request),
           !Self.presents(token, in: request.headers["Authorization"]) {
            var error = AdminError(.unauthorized, field: nil, "admin calls need Authorization: Bearer <the --admin-token>")
            error.headers = ["WWW-Authenticate": #"Bearer realm="rostra-admin""#]
            throw error
        }
        return try next.respond(to: request)
    }

    /// Reading health or the dashboard's files; any other method on them needs the token
    /// like every call.
    static func isOpen(_ request: Request) -> Bool {
        (request.method == .get || request.method == .head) && AdminRoutes.openPaths.contains(request.path)
    }

    /// Compares in time independent of where the first difference is, so the token cannot
    /// be guessed byte by byte from answer times.
    static func presents(_ token: String, in authorization: String?) -> Bool {
        guard let authorization else { return false }
        let parts = authorization.trimmingHTTPWhitespace().split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].equalsIgnoringASCIICase("Bearer") else { return false }
        let given = Array(parts[1].trimmingHTTPWhitespace().utf8)
        let expected = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
