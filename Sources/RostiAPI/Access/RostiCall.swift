import Emulator
import EmulatorState
import HTTP
import JSON
import Logging
import Store
import Synchronization

/// One request to the Rosti API with what its handler needs: the tenant's state and clock,
/// the answer's language, and the tenant's job scheduler.
///
/// The access checks run in DRF's order — a company id that is not a number (404, the URL
/// does not match), the token header (401), the token (401), the company (403) — and in the
/// same database transaction as the handler's own work, so an authenticated read costs one
/// transaction.
struct RostiCall {
    let request: Request
    let tenant: Tenant
    let language: Language
    let jobDurations: (JobKind) -> JobDuration
    let logger: Logger
    /// The engines behind storages.
    let storages: StorageHosting
    /// Set once the handler looks at the clock (or another live value: an engine's port, a
    /// container): its answer then depends on the time, not only on the data, and must not
    /// be cached.
    private let clockWasRead = ClockReadMark()

    var database: Database { tenant.state.database }

    /// The tenant's job scheduler, looked up only by the requests that need it.
    var jobs: JobScheduler { JobScheduler.of(tenant, logger: logger) }
    func now() -> Double {
        clockWasRead.mark()
        return tenant.clock.now()
    }

    /// The answer holds a value that changes without the data changing (an engine's port,
    /// an app's running container): like one that read the clock, it is not kept for later
    /// requests.
    func readLiveValue() { clockWasRead.mark() }

    /// The answer of a read: remembered from an earlier identical request while the data
    /// has not changed since, or computed by `answer`. The key holds everything a read's
    /// answer depends on besides the data — the path and query, the credentials, the
    /// language — and an answer is kept only when it is a 200 of bytes whose handler never
    /// read the clock (a job's progress, or jobs due meanwhile, depend on the time).
    func cachedRead(_ answer: () throws -> Response) throws -> Response {
        let cache = tenant.attachment(AnswerCacheKey.self) { VersionedCache<Response>() }
        let key = request.target + "\n" + (request.headers["Authorization"] ?? "") + "\n" + language.rawValue
        return try cache.value(for: key, in: database) {
            let response = try answer()
            guard response.status == .ok, !clockWasRead.isSet, case .bytes(let body) = response.body,
                body.count <= StateLimits.cachedAnswerMaximumBytes
            else { return (response, false) }
            return (response, true)
        }
    }

    private enum AnswerCacheKey: TenantAttachmentKey {
        typealias Value = VersionedCache<Response>
    }

    /// The object id of `/…/{id}/`: a path that is not a number names nothing (404).
    func objectID() throws -> Int64 {
        guard let id = PathID.parse(request.parameters["id"]) else { throw RostiError.notFound }
        return id
    }

    /// A read as an account, without a company (`/api/v1/companies/`).
    func readAsAccount<Result>(_ body: (Connection, Int64) throws -> Result) throws -> Result {
        let key = try TokenAuthentication.key(fromAuthorization: request.headers["Authorization"])
        return try database.read { conn in
            try body(conn, try TokenAuthentication.account(forKey: key, in: conn))
        }
    }

    /// A read inside the path's company. Jobs that fell due by now are moved on first, so a
    /// request never sees a job (or a snapshot, or an app) behind the clock.
    func readInCompany<Result>(_ body: (Connection, Int64) throws -> Result) throws -> Result {
        let company = try PathID.company(of: request)
        let key = try TokenAuthentication.key(fromAuthorization: request.headers["Authorization"])
        // nil: jobs fell due, so the read is done again after moving them on.
        let answer: Result? = try database.read { conn in
            try Self.authorize(conn, key: key, company: company)
            if try JobEngine.hasDueJobs(conn, now: self.now) { return nil }
            return try body(conn, company)
        }
        if let answer { return answer }
        try jobs.advanceDueJobs()
        return try database.read { conn in
            try Self.authorize(conn, key: key, company: company)
            return try body(conn, company)
        }
    }

    /// A write inside the path's company, in one transaction with the access checks; jobs
    /// that fell due are moved on in it first. Everything rolls back if `body` throws.
    func writeInCompany<Result>(_ body: (Connection, Int64) throws -> Result) throws -> Result {
        let company = try PathID.company(of: request)
        let key = try TokenAuthentication.key(fromAuthorization: request.headers["Authorization"])
        let now = now()
        var jobsMoved = 0
        let result = try database.write { conn in
            try Self.authorize(conn, key: key, company: company)
            jobsMoved = try JobEngine.advance(conn, now: now)
            return try body(conn, company)
        }
        // Jobs that moved may have work to start, or have made an app (a restore into a new one).
        if jobsMoved > 0 { jobs.jobsChanged() }
        return result
    }

    /// A write of one app's row (`body` answers the app as JSON), after which the app's
    /// container follows the row: keys at once, a disabled app's container ended.
    func writeApp(_ body: (Connection, Int64) throws -> JSONValue) throws -> JSONValue {
        let answer = try writeInCompany(body)
        try AppContainers.follow(app: try objectID(), in: tenant.state)
        // New domains, a name, enabled: the front door answers for them before the reply.
        tenant.state.appSpace.host?.frontsChanged(wait: true)
        return answer
    }

    /// 401 or 403 for the request as it stands; for answers (405) that DRF only gives
    /// after authentication and permission checks. A path without a company
    /// (`/api/v1/companies/`) needs an account only.
    func requireAccess() throws {
        let company = request.parameters["company_id"] == nil ? nil : try PathID.company(of: request)
        let key = try TokenAuthentication.key(fromAuthorization: request.headers["Authorization"])
        try database.read { conn in
            if let company {
                try Self.authorize(conn, key: key, company: company)
            } else {
                _ = try TokenAuthentication.account(forKey: key, in: conn)
            }
        }
    }

    private static func authorize(_ conn: Connection, key: String, company: Int64) throws {
        let account = try TokenAuthentication.account(forKey: key, in: conn)
        try TokenAuthentication.requireMembership(account: account, company: company, in: conn)
    }

    /// `DELETE …/{id}/` of a company's row: `{}`, or 404 when the company has no such row.
    /// Rows that point at it follow the schema's ON DELETE rules (a snapshot keeps its
    /// app's name; jobs keep going and fail at their next moment).
    func deleteCompanyRow(from table: String) throws -> Response {
        try writeInCompany { conn, company in
            try conn.execute("DELETE FROM \(table) WHERE id = ? AND company_id = ?", [try objectID(), company])
            guard conn.changedRowCount > 0 else { throw RostiError.notFound }
        }
        return ok(.object(JSONObject()))
    }

    /// A 200 JSON answer in this request's language.
    func ok(_ value: JSONValue) -> Response {
        RostiResponse.json(value, language: language)
    }
}

/// Whether a call read the clock; a class so the value-typed call can set it from any copy.
private final class ClockReadMark: Sendable {
    private let wasRead = Atomic<Bool>(false)
    func mark() { wasRead.store(true, ordering: .relaxed) }
    var isSet: Bool { wasRead.load(ordering: .relaxed) }
}
