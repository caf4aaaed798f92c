import Emulator
import HTTP
import JSON
import Logging
import Store

/// The jobs part of the emulator's admin API (`reference/emulator.md`): see every
/// company's jobs in the calling tenant, and force one to complete or fail so a test need
/// not wait for its durations. Served on both ports, behind the admin token, like every
/// admin route.
enum JobAdminRoutes {
    static func register(on router: inout Router, emulator: Emulator) {
        let logger = emulator.logger
        router.add(.get, "/__admin/jobs", name: "Rosti jobs of every company in the tenant (?status= filters)") { request in
            let tenant = try request.tenant()
            try JobScheduler.of(tenant, logger: logger).advanceDueJobs()
            var conditions = "", arguments: StatementArguments = []
            if let status = request.queryValue("status") {
                guard JobEngine.Status(rawValue: status) != nil else {
                    throw AdminError(field: "status", "\(JSONString.quote(status)) is not one of pending, running, done, failed")
                }
                conditions = "WHERE status = ?"
                arguments = [status]
            }
            let now = tenant.clock.now()
            let jobs = try tenant.state.database.read { conn in
                try conn.fetchAll("SELECT company_id, \(JobEngine.columns) FROM rosti_jobs \(conditions) ORDER BY id", arguments)
                    .map { row in try Self.adminJobJSON(row, now: now) }
            }
            return Response(contentType: "application/json", bytes: JSONWriter.bytes(.array(jobs), .djangoREST))
        }
        router.add(.post, "/__admin/jobs/{id}/complete", name: "Finish a Rosti job now, with its effect") { request in
            try Self.force(request, logger: logger) { conn, id, now in try JobEngine.forceCompletion(conn, job: id, now: now) }
        }
        router.add(.post, "/__admin/jobs/{id}/fail", name: "End a Rosti job as failed now, without its effect") { request in
            try Self.force(request, logger: logger) { conn, id, now in try JobEngine.forceFailure(conn, job: id, now: now) }
        }
    }

    private static func force(
        _ request: Request, logger: Logger,
        _ change: (Connection, Int64, Double) throws -> Void
    ) throws -> Response {
        let tenant = try request.tenant()
        guard let id = Int64(request.parameters["id"] ?? "") else {
            throw AdminError(.notFound, field: nil, "no job \(request.parameters["id"] ?? "")")
        }
        let scheduler = JobScheduler.of(tenant, logger: logger)
        try scheduler.advanceDueJobs()
        let now = tenant.clock.now()
        let row: Row
        do {
            row = try tenant.state.database.write { conn in
                try change(conn, id, now)
                return try conn.fetchOne("SELECT company_id, \(JobEngine.columns) FROM rosti_jobs WHERE id = ?", [id])!
            }
        } catch JobEngine.ForcingError.noSuchJob {
            throw AdminError(.notFound, field: nil, "no job \(id) in tenant \(tenant.name)")
        } catch JobEngine.ForcingError.alreadyFinished(let status) {
            throw AdminError(HTTPStatus(code: 409), field: nil, "job \(id) is already \(status.rawValue)")
        }
        scheduler.jobsChanged()
        AppContainers.catchUp(tenant.state)
        return Response(contentType: "application/json", bytes: JSONWriter.bytes(try adminJobJSON(row, now: now), .djangoREST))
    }

    /// The job as the API shows it (in English), with the company it belongs to.
    private static func adminJobJSON(_ row: Row, now: Double) throws -> JSONValue {
        guard case .object(var object) = try JobEngine.json(row, now: now, language: .en) else { return .null }
        object["company"] = .integer(try row["company_id"] as Int64)
        return .object(object)
    }
}
