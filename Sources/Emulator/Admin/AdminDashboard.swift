import Foundation
import HTTP

extension AdminRoutes {
    /// `GET /__admin/`: one page for people — the tenant's clock, switches, settings, rules,
    /// state and latest requests. Read-only; changes go through the JSON calls.
    static func registerDashboard(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        documentation.add(.get, "", on: &router, AdminOperation(
            summary: "A dashboard page for people",
            description: "HTML: the tenant's clock, the maintenance switches, the settings, the tenant's fault rules, row counts of its state, its jobs as stored and its latest requests. ?tenant=<name> shows another tenant (never creating one).",
            query: [.init(name: "tenant", description: "the tenant to show", schema: ["type": "string"])],
            responses: [(200, "An HTML page")], contentType: "text/html; charset=utf-8")
        ) { request in
            let query = try JournalQuery(request, allowing: ["tenant"])
            let tenant: Tenant
            switch query.tenant {
            case nil: tenant = try request.tenant()
            case "*": throw AdminError(field: "tenant", "the dashboard shows one tenant at a time")
            case let name?:
                guard let found = emulator.tenants.existingTenant(named: name) else {
                    throw AdminError(.notFound, field: "tenant", "no tenant \(JSONString.quote(name))")
                }
                tenant = found
            }
            let page = try DashboardPage(emulator: emulator, tenant: tenant).html
            return Response(contentType: "text/html; charset=utf-8", bytes: Array(page.utf8))
        }
    }
}

/// The dashboard's HTML, every value escaped (paths and headers come from clients).
struct DashboardPage {
    let emulator: Emulator
    let tenant: Tenant
    /// Requests shown, newest first; the JSON call has them all.
    static let shownRequests = 50

    var html: String {
        get throws {
            var page = """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rostra — \(escape(tenant.name))</title>
                <style>body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}
                td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}
                code{font-size:13px}.bad{color:#b00}</style></head><body>
                <h1>Rostra \(escape(RostraVersion.string)) — tenant <code>\(escape(tenant.name))</code></h1>
                """
            let reading = tenant.clock.reading
            page += "<p>Clock: <b>\(reading.mode.rawValue)</b>, \(escape(AdminTime.iso8601(reading.now))) (offset \(String(format: "%.3f", reading.offset)) s). "
            let maintenance = emulator.maintenance.apisInMaintenance
            page += "Maintenance: " + EmulatedAPI.allCases.map { "\($0.rawValue) \(maintenance.contains($0) ? "<b class=bad>on</b>" : "off")" }.joined(separator: ", ") + ".</p>"

            page += "<h2>Tenants</h2><p>" + emulator.tenants.all.map { other in
                other === tenant ? "<b>\(escape(other.name))</b>" : "<a href=\"?tenant=\(escape(other.name))\">\(escape(other.name))</a>"
            }.joined(separator: " · ") + "</p>"

            page += "<h2>Fault rules</h2>"
            let rules = tenant.faults.installed
            page += rules.isEmpty ? "<p>None.</p>" : table(["rule"], rows: rules.map { [$0.json(tenant: tenant.name).text] })

            page += "<h2>State</h2>"
            let counts = try tenant.state.database.read { conn in
                try StateSchema.tables.map { table in (table, try conn.fetchValue(Int.self, "SELECT count(*) FROM \(table)") ?? 0) }
            }
            page += table(counts.map(\.0), rows: [counts.map { String($0.1) }])
            let jobs = try tenant.state.database.read { conn in
                try conn.fetchAll("SELECT id, company_id, kind, status, progress, created FROM rosti_jobs ORDER BY id DESC LIMIT 20").map { row in
                    [String(try row["id"] as Int64), String(try row["company_id"] as Int64), try row["kind"] as String,
                     try row["status"] as String, String(try row["progress"] as Int64), AdminTime.iso8601(try row["created"] as Double)]
                }
            }
            page += "<h3>Jobs as stored (newest 20)</h3>" + (jobs.isEmpty ? "<p>None.</p>" : table(["id", "company", "kind", "status", "progress", "created"], rows: jobs))

            let entries = tenant.journal.entries.suffix(Self.shownRequests).reversed()
            page += "<h2>Latest requests</h2>"
            page += entries.isEmpty ? "<p>None yet.</p>" : table(["time", "api", "method", "path", "status", "ms", "fault"], rows: entries.map { entry in
                [AdminTime.iso8601(entry.time), entry.api.rawValue, entry.method, entry.path + (entry.query.map { "?" + $0 } ?? ""),
                 entry.status.map(String.init) ?? "\(entry.outcome)", String(format: "%.2f", entry.durationMilliseconds), entry.fault ?? ""]
            })

            page += "<h2>Settings</h2><pre>\(escape(emulator.settings.value.json.text))</pre>"
            page += "<p>JSON calls: <a href=\"openapi.json\">openapi.json</a>; docs/admin-api.md.</p></body></html>"
            return page
        }
    }

    private func table(_ headings: [String], rows: [[String]]) -> String {
        "<table><tr>" + headings.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
            + rows.map { "<tr>" + $0.map { "<td><code>\(escape($0))</code></td>" }.joined() + "</tr>" }.joined() + "</table>"
    }

    private func escape(_ text: String) -> String { HTMLText.escape(text) }
}
