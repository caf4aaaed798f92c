import HTTP
import Store

extension AdminRoutes {
    /// `GET /__admin/overview`: the tenant's world as people want to see it — who can log
    /// in, what each company has, which files are stored by whom — without the file bytes
    /// that `GET /__admin/state` carries. The dashboard's main source.
    static func registerOverview(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        documentation.add(.get, "overview", on: &router, AdminOperation(
            summary: "The tenant's state, summarised for people",
            description: "Rosti accounts (with their token), companies, apps, storages (without passwords) and snapshots; Rosa users (with their password and token) and files with owner and size. Each list is {\"count\": <rows in all>, \"rows\": [<newest first, at most \(ControlPlaneLimits.overviewRowsPerList)>]}. Times are ISO 8601. Jobs are at GET /__admin/jobs.",
            responses: [(200, "{\"tenant\": …, \"rosti\": {\"accounts\", \"companies\", \"apps\", \"storages\", \"snapshots\"}, \"rosa\": {\"users\", \"files\"}}")])
        ) { request in
            let tenant = try request.tenant()
            return AdminReply.json(try StateOverview.json(of: tenant))
        }
    }
}

/// The lists of `GET /__admin/overview`, each one query over the tenant's tables.
enum StateOverview {
    struct List {
        let name: String
        let table: String
        /// Selects the list's columns, by the names the answer gives them, newest first.
        let query: String
        /// Columns holding JSON text, answered as JSON.
        var jsonColumns: Set<String> = []
    }

    static let rosti = [
        List(name: "accounts", table: "rosti_accounts", query: """
            SELECT a.id, a.email, a.name, a.token,
                   (SELECT json_group_array(m.company_id) FROM rosti_memberships m WHERE m.account_id = a.id) AS companies,
                   (SELECT m.company_id FROM rosti_memberships m WHERE m.account_id = a.id AND m.is_default = 1) AS default_company,
                   a.created
            FROM rosti_accounts a ORDER BY a.id DESC
            """, jsonColumns: ["companies"]),
        List(name: "companies", table: "rosti_companies", query: """
            SELECT c.id, c.name,
                   (SELECT count(*) FROM rosti_memberships m WHERE m.company_id = c.id) AS members,
                   (SELECT count(*) FROM rosti_apps p WHERE p.company_id = c.id) AS apps,
                   (SELECT count(*) FROM rosti_storages s WHERE s.company_id = c.id) AS storages,
                   (SELECT count(*) FROM rosti_snapshots s WHERE s.company_id = c.id) AS snapshots,
                   c.created
            FROM rosti_companies c ORDER BY c.id DESC
            """),
        List(name: "apps", table: "rosti_apps", query: """
            SELECT p.id, p.company_id AS company, p.name, p.image, p.enabled = 1 AS enabled, p.domains, p.mode,
                   l.name AS plan, p.created
            FROM rosti_apps p LEFT JOIN rosti_plans l ON l.id = p.plan_id ORDER BY p.id DESC
            """, jsonColumns: ["domains"]),
        List(name: "storages", table: "rosti_storages", query: """
            SELECT id, company_id AS company, engine, name, username, hostname, port, note, created
            FROM rosti_storages ORDER BY id DESC
            """),
        List(name: "snapshots", table: "rosti_snapshots", query: """
            SELECT id, company_id AS company, app_id AS app, app_name, status, size, note, created
            FROM rosti_snapshots ORDER BY id DESC
            """),
    ]

    static let rosa = [
        List(name: "users", table: "rosa_users", query: """
            SELECT id, uname, email, password, token, role, created FROM rosa_users ORDER BY id DESC
            """),
        List(name: "files", table: "rosa_files", query: """
            SELECT f.id, f.sha1, f.file_name, f.size, f.content_type, u.uname AS owner, f.created
            FROM rosa_files f LEFT JOIN rosa_users u ON u.id = f.user_id ORDER BY f.id DESC
            """),
    ]

    /// Columns holding a time on the tenant's clock (unix seconds), answered as ISO 8601.
    static let timeColumns: Set<String> = ["created"]
    /// `enabled = 1` reads back as an integer; answered as a boolean.
    static let booleanColumns: Set<String> = ["enabled"]

    static func json(of tenant: Tenant) throws -> AdminJSON {
        try tenant.state.database.read { conn in
            func lists(_ lists: [List]) throws -> AdminJSON {
                var object = AdminJSONObject()
                for list in lists {
                    let count = try conn.fetchValue(Int.self, "SELECT count(*) FROM \(list.table)") ?? 0
                    let rows = try conn.fetchAll(list.query + " LIMIT ?", [ControlPlaneLimits.overviewRowsPerList])
                    object[list.name] = ["count": .integer(count), "rows": .array(rows.map { row(of: $0, in: list) })]
                }
                return .object(object)
            }
            return ["tenant": .string(tenant.name), "rosti": try lists(rosti), "rosa": try lists(rosa)]
        }
    }

    private static func row(of row: Row, in list: List) -> AdminJSON {
        var object = AdminJSONObject()
        for (name, value) in zip(row.columns.names, row.values) {
            object[name] = json(value, column: name, in: list)
        }
        return .object(object)
    }

    private static func json(_ value: DatabaseValue, column: String, in list: List) -> AdminJSON {
        switch value {
        case .null: return .null
        case .integer(let number):
            return booleanColumns.contains(column) ? .bool(number != 0) : .integer(number)
        case .real(let number):
            return timeColumns.contains(column) ? .string(AdminTime.iso8601(number)) : .number(number)
        case .text(let text):
            if list.jsonColumns.contains(column), let parsed = AdminJSON.parse(Array(text.utf8)) { return parsed }
            return .string(text)
        case .blob(let bytes):
            return .string(String(decoding: bytes, as: UTF8.self))
        }
    }
}
