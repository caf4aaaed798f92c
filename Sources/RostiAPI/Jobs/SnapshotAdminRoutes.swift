import Emulator
import HTTP
import JSON
import Logging

/// The admin API's snapshot fault (docs/admin-api.md): the next snapshot job of an app
/// fails part-way — its archive is really being written when it stops at the given share of
/// the app's bytes — so that a client's handling of a failed snapshot can be tested. The
/// state stays consistent: the partial archive is removed, the snapshot is `failed` with
/// size 0, the job `failed` with a message saying where it stopped.
enum SnapshotAdminRoutes {
    static func register(on router: inout Router, emulator: Emulator) {
        let logger = emulator.logger
        router.add(.get, "/__admin/apps/{id}/snapshot-fault", name: "A Rosti app's armed snapshot fault") { request in
            let (scheduler, app) = try faultRequest(request, logger: logger)
            return answer(app: app, fault: scheduler.work.faults.withLock { $0[app] })
        }
        router.add(
            .post, "/__admin/apps/{id}/snapshot-fault",
            name: "Make a Rosti app's next snapshot job fail part-way ({\"fail_at_percent\": 0-99})"
        ) { request in
            let (scheduler, app) = try faultRequest(request, logger: logger)
            let body = try FieldReader.body(of: request)
            try body.rejectUnknownKeys(["fail_at_percent"])
            guard let percent = try body.integer("fail_at_percent", in: RostiLimits.snapshotFaultPercentRange) else {
                throw AdminError(field: "fail_at_percent", "give the share of the app's bytes (0-99) at which its next snapshot stops")
            }
            let fault = SnapshotFault(failAtPercent: percent)
            scheduler.work.faults.withLock { $0[app] = fault }
            return answer(app: app, fault: fault)
        }
        router.add(.delete, "/__admin/apps/{id}/snapshot-fault", name: "Disarm a Rosti app's snapshot fault") { request in
            let (scheduler, app) = try faultRequest(request, logger: logger)
            _ = scheduler.work.faults.withLock { $0.removeValue(forKey: app) }
            return answer(app: app, fault: nil)
        }
    }

    /// The tenant's scheduler and the app a call names; 404 for an app the tenant does not have.
    private static func faultRequest(_ request: Request, logger: Logger) throws -> (JobScheduler, Int64) {
        let tenant = try request.tenant()
        let text = request.parameters["id"] ?? ""
        guard let app = Int64(text),
            try tenant.state.database.read({ try $0.fetchValue(Int64.self, "SELECT 1 FROM rosti_apps WHERE id = ?", [app]) }) != nil
        else { throw AdminError(.notFound, field: nil, "no app \(text) in tenant \(tenant.name)") }
        return (JobScheduler.of(tenant, logger: logger), app)
    }

    private static func answer(app: Int64, fault: SnapshotFault?) -> Response {
        let json: JSONValue = ["app": .integer(app), "fail_at_percent": fault.map { .integer($0.failAtPercent) } ?? .null]
        return Response(contentType: "application/json", bytes: JSONWriter.bytes(json, .compact))
    }
}
