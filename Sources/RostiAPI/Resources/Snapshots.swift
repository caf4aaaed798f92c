import Emulator
import HTTP
import JSON
import Store

/// `/api/v1/{company_id}/snapshots/` and `snapshots-restore/`: backups of an app's data,
/// taken and restored by asynchronous jobs. Creating and restoring answer the job at once.
enum Snapshots {
    static let columns = "id, app_id, app_name, note, created, size, status"

    static func list(_ call: RostiCall) throws -> Response {
        call.ok(try call.readInCompany { conn, company in
            .array(try conn.fetchAll("SELECT \(columns) FROM rosti_snapshots WHERE company_id = ? ORDER BY id", [company]).map(json))
        })
    }

    static func read(_ call: RostiCall) throws -> Response {
        return call.ok(try call.readInCompany { conn, company in try json(try fetch(conn, company: company, id: call.objectID())) })
    }

    /// `POST {"app": <id>, "note": "…"}`: a pending snapshot and the job that takes it.
    static func create(_ call: RostiCall) throws -> Response {
        let data = try RequestData(call.request)
        let now = call.now()
        let job = try call.writeInCompany { conn, company in
            var fields = try Serializer(data.value())
            let app = try fields.companyApp("app", required: true, company: company, conn)
            let note = fields.note()
            try fields.finish()
            guard let app, let appName = try conn.fetchValue(String.self, "SELECT name FROM rosti_apps WHERE id = ?", [app]) else {
                throw RostiError.validation(fields.errors)
            }
            try conn.execute(
                "INSERT INTO rosti_snapshots (company_id, app_id, app_name, note, created, size, status) VALUES (?, ?, ?, ?, ?, 0, 'pending')",
                [company, app, appName, note ?? "", now.rounded(.down)])
            let snapshot = conn.lastInsertedRowID
            let job = try JobEngine.create(
                conn, kind: .snapshot, company: company, app: app, snapshot: snapshot, now: now, duration: call.jobDurations(.snapshot))
            try JobEngine.advance(conn, now: now)
            return try Jobs.fetch(conn, company: company, id: job, now: now, language: call.language)
        }
        call.jobs.jobsChanged()
        return call.ok(job)
    }

    /// `PUT {"app": <id>}` restores into that app; `{"name": "…", "plan": <id>}` makes a new
    /// app from the snapshot. Either way the answer is the job.
    static func restore(_ call: RostiCall) throws -> Response {
        let data = try RequestData(call.request)
        let now = call.now()
        let job = try call.writeInCompany { conn, company in
            let id = try call.objectID()
            let snapshot = try fetch(conn, company: company, id: id)
            var fields = try Serializer(data.value())
            let app = try fields.companyApp("app", company: company, conn)
            let name = fields.appName(required: !fields.has("app"))
            let plan = try fields.primaryKey("plan") { plan in
                try conn.fetchValue(Int64.self, "SELECT 1 FROM rosti_plans WHERE id = ?", [plan]) != nil
            }
            try fields.finish()
            // Object-level checks come after the fields, as DRF's validate() does.
            if app != nil && fields.has("name") { fields.fail(ValidationErrors.nonFieldErrorsKey, .restoreTargetAmbiguous) }
            if try snapshot["status"] as String != "ready" { fields.fail(ValidationErrors.nonFieldErrorsKey, .snapshotNotReady) }
            try fields.finish()
            let job: Int64
            if let app {
                job = try JobEngine.create(
                    conn, kind: .restore, company: company, app: app, snapshot: id, now: now, duration: call.jobDurations(.restore))
            } else {
                let parameters = JSONObject([("name", .string(name ?? "")), ("plan", .integer(try plan ?? AppStore.defaultPlan(conn)))])
                job = try JobEngine.create(
                    conn, kind: .newApp, company: company, app: nil, snapshot: id, parameters: parameters, now: now,
                    duration: call.jobDurations(.newApp))
            }
            try JobEngine.advance(conn, now: now)
            return try Jobs.fetch(conn, company: company, id: job, now: now, language: call.language)
        }
        call.jobs.jobsChanged()
        return call.ok(job)
    }

    static func delete(_ call: RostiCall) throws -> Response {
        try call.deleteCompanyRow(from: "rosti_snapshots")
    }

    static func fetch(_ conn: Connection, company: Int64, id: Int64) throws -> Row {
        guard let row = try conn.fetchOne("SELECT \(columns) FROM rosti_snapshots WHERE id = ? AND company_id = ?", [id, company]) else {
            throw RostiError.notFound
        }
        return row
    }

    /// `app` is null once the app is deleted; `app_name` keeps what it was called.
    static func json(_ row: Row) throws -> JSONValue {
        [
            "id": .integer(try row["id"] as Int64),
            "app": .optionalInteger(try row["app_id"]),
            "app_name": .string(try row["app_name"]),
            "note": .string(try row["note"]),
            "date": .string(RostiTime.iso8601(try row["created"] as Double)),
            "size": .integer(try row["size"] as Int64),
            "status": .string(try row["status"]),
        ]
    }
}

extension Serializer {
    /// An app of this company (another company's app "does not exist").
    mutating func companyApp(_ name: String, required: Bool = false, company: Int64, _ conn: Connection) throws -> Int64? {
        try primaryKey(name, required: required) { id in try AppStore.exists(conn, company: company, id: id) }
    }
}
