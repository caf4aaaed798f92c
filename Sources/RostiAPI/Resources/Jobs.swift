import HTTP
import JSON
import Store

/// `/api/v1/{company_id}/jobs/`: the asynchronous jobs of the company, `?status=` to filter.
enum Jobs {
    static func list(_ call: RostiCall) throws -> Response {
        let now = call.now()
        return call.ok(try call.readInCompany { conn, company in
            let status = try statusFilter(call.request)
            let rows = try conn.fetchAll(
                "SELECT \(JobEngine.columns) FROM rosti_jobs WHERE company_id = ? AND (? IS NULL OR status = ?) ORDER BY id",
                [company, status, status])
            return .array(try rows.map { try JobEngine.json($0, now: now, language: call.language) })
        })
    }

    static func read(_ call: RostiCall) throws -> Response {
        let now = call.now()
        return call.ok(try call.readInCompany { conn, company in
            let id = try call.objectID()
            return try fetch(conn, company: company, id: id, now: now, language: call.language)
        })
    }

    static func fetch(_ conn: Connection, company: Int64, id: Int64, now: Double, language: Language) throws -> JSONValue {
        guard let row = try conn.fetchOne("SELECT \(JobEngine.columns) FROM rosti_jobs WHERE id = ? AND company_id = ?", [id, company]) else {
            throw RostiError.notFound
        }
        return try JobEngine.json(row, now: now, language: language)
    }

    /// `?status=` must be one of the statuses (a filter's `ChoiceField`); empty means all.
    static func statusFilter(_ request: Request) throws -> String? {
        guard let value = request.queryValue("status"), !value.isEmpty else { return nil }
        guard JobEngine.Status(rawValue: value) != nil else {
            throw RostiError.validation(ValidationErrors(field: "status", .invalidChoice(input: value)))
        }
        return value
    }
}
