import HTTP
import JSON
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
            return AdminReply.json(try StateOverview.json(of: tenant, plugins: emulator.plugins))
        }
    }
}

/// The lists of `GET /__admin/overview`: each plug-in's `overviewLists`, one query each
/// over the tenant's tables.
enum StateOverview {
    /// Columns holding a time on the tenant's clock (unix seconds), answered as ISO 8601.
    static let timeColumns: Set<String> = ["created"]
    /// `enabled = 1` reads back as an integer; answered as a boolean.
    static let booleanColumns: Set<String> = ["enabled"]

    static func json(of tenant: Tenant, plugins: [any APIPlugin]) throws -> JSONValue {
        try tenant.state.database.read { conn in
            func lists(_ lists: [OverviewList]) throws -> JSONValue {
                var object = JSONObject()
                for list in lists {
                    let count = try conn.fetchValue(Int.self, "SELECT count(*) FROM \(list.table)") ?? 0
                    let rows = try conn.fetchAll(list.query + " LIMIT ?", [ControlPlaneLimits.overviewRowsPerList])
                    object[list.name] = ["count": .integer(count), "rows": .array(rows.map { row(of: $0, in: list) })]
                }
                return .object(object)
            }
            var overview: JSONObject = ["tenant": .string(tenant.name)]
            for plugin in plugins { overview[plugin.api.rawValue] = try lists(plugin.overviewLists(of: tenant)) }
            return JSONValue.object(overview)
        }
    }

    private static func row(of row: Row, in list: OverviewList) -> JSONValue {
        var object = JSONObject()
        for (name, value) in zip(row.columns.names, row.values) {
            object[name] = json(value, column: name, in: list)
        }
        return .object(object)
    }

    private static func json(_ value: DatabaseValue, column: String, in list: OverviewList) -> JSONValue {
        switch value {
        case .null: return .null
        case .integer(let number):
            return booleanColumns.contains(column) ? .bool(number != 0) : .integer(number)
        case .real(let number):
            return timeColumns.contains(column) ? .string(AdminTime.iso8601(number)) : .number(number)
        case .text(let text):
            if list.jsonColumns.contains(column), let parsed = try? JSONParser.parse(Array(text.utf8)) { return parsed }
            return .string(text)
        case .blob(let bytes):
            return .string(String(decoding: bytes, as: UTF8.self))
        }
    }
}
