import HTTP
import JSON
import Store

/// `/api/v1/{company_id}/apps/`, `apps-action/` and `apps-status/`.
enum Apps {
    static func list(_ call: RostiCall) throws -> Response {
        call.ok(try call.readInCompany { conn, company in try AppStore.list(conn, company: company) })
    }

    static func read(_ call: RostiCall) throws -> Response {
        return call.ok(try call.readInCompany { conn, company in try AppStore.json(conn, company: company, id: call.objectID()) })
    }

    static func create(_ call: RostiCall) throws -> Response {
        let data = try RequestData(call.request)
        return call.ok(try call.writeInCompany { conn, company in
            var fields = try Serializer(data.value())
            let name = fields.appName(required: true)
            var app = NewApp(company: company, name: name ?? "")
            try fields.readSettings(into: &app, conn)
            app.appPort = fields.integer("app_port", range: RostiLimits.portRange)
            try fields.finish()
            let id = try AppStore.insert(conn, app, now: call.now())
            return try AppStore.json(conn, company: company, id: id)
        })
    }

    /// `PUT` (name required) and `PATCH`. Fields left out keep their values, as in DRF;
    /// read-only fields (`id`, `date`, `ssh_access`, `smtp_*`, and `app_port` after creation)
    /// are ignored whatever they hold.
    static func update(_ call: RostiCall, partial: Bool) throws -> Response {
        let data = try RequestData(call.request)
        return call.ok(try call.writeInCompany { conn, company in
            let id = try call.objectID()
            guard try AppStore.exists(conn, company: company, id: id) else { throw RostiError.notFound }
            var fields = try Serializer(data.value(), partial: partial)
            let name = fields.appName(required: true)
            var app = NewApp(company: company, name: name ?? "")
            try fields.readSettings(into: &app, conn)
            try fields.finish()
            var assignments: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            func set(_ column: String, _ value: (any DatabaseValueConvertible)?) {
                assignments.append("\(column) = ?")
                arguments.append(value)
            }
            if let name { set("name", name) }
            if fields.has("enabled") { set("enabled", app.enabled) }
            if let image = app.image { set("image", image) }
            if let domains = app.domains { set("domains", AppStore.jsonText(domains)) }
            if let mode = app.mode { set("mode", mode) }
            if let plan = app.plan { set("plan_id", plan) }
            if fields.has("ssh_keys") { set("ssh_keys", AppStore.jsonText(app.sshKeys)) }
            if !assignments.isEmpty {
                try conn.execute(
                    "UPDATE rosti_apps SET \(assignments.joined(separator: ", ")) WHERE id = ?",
                    StatementArguments(arguments + [id]))
            }
            return try AppStore.json(conn, company: company, id: id)
        })
    }

    static func delete(_ call: RostiCall) throws -> Response {
        try call.deleteCompanyRow(from: "rosti_apps")
    }

    // MARK: apps-action

    enum Action: String, CaseIterable {
        case start, stop, restart, rebuild

        /// Whether the app runs afterwards: only `stop` leaves it stopped; a restart or a
        /// rebuild ends with a running container, whatever it was before.
        var leavesAppEnabled: Bool { self != .stop }
    }

    static func act(_ call: RostiCall) throws -> Response {
        let data = try RequestData(call.request)
        return call.ok(try call.writeInCompany { conn, company in
            let id = try call.objectID()
            guard try AppStore.exists(conn, company: company, id: id) else { throw RostiError.notFound }
            var fields = try Serializer(data.value())
            let action = fields.choice("action", required: true, of: Action.allCases.map(\.rawValue)).flatMap(Action.init)
            try fields.finish()
            if let action {
                try conn.execute("UPDATE rosti_apps SET enabled = ? WHERE id = ?", [action.leavesAppEnabled, id])
            }
            return try AppStore.json(conn, company: company, id: id)
        })
    }

    // MARK: apps-status

    /// What the runtime image runs, as apps-status reports it.
    static let techsByImage: [String: (name: String, version: String)] = [
        "rosti/runtime:2019.11-1": ("python", "3.8.0"),
        "rosti/runtime:2020.03-1": ("python", "3.8.2"),
        "rosti/runtime:2021.01-1": ("python", "3.9.1"),
    ]

    /// `running` follows `enabled`, the limits follow the plan; usage is the app's data
    /// (GiB, which snapshots and restores change) and a steady share of its plan's memory
    /// while it runs.
    static func status(_ call: RostiCall) throws -> Response {
        return call.ok(try call.readInCompany { conn, company in
            let id = try call.objectID()
            guard let row = try conn.fetchOne(
                """
                SELECT a.enabled, a.image, a.data_bytes, p.ram_mb, p.disk_gb FROM rosti_apps a
                JOIN rosti_plans p ON p.id = a.plan_id WHERE a.id = ? AND a.company_id = ?
                """, [id, company])
            else { throw RostiError.notFound }
            let running: Bool = try row["enabled"]
            let ram: Int64 = try row["ram_mb"]
            let disk: Int64 = try row["disk_gb"]
            let storageUsage = rounded(Double(try row["data_bytes"] as Int64) / 1_073_741_824, places: 2)
            let memoryShare = 0.15 + Double(id % 31) / 100
            let tech = techsByImage[try row["image"] as String].map { tech -> JSONValue in
                ["name": .string(tech.name), "version": .string(tech.version)]
            }
            return [
                "errors": [],
                "info": [],
                "dns_status": true,
                "http_status": .bool(running),
                "running": .bool(running),
                "storage": ["usage": .number(storageUsage), "limit": .integer(disk), "over_limit": .integer(storageUsage > Double(disk) ? 1 : 0)],
                "memory": ["usage": .number(running ? rounded(Double(ram) * memoryShare, places: 1) : 0), "limit": .integer(ram)],
                "primary_tech": tech ?? .null,
                "techs": .array(tech.map { [$0] } ?? []),
            ]
        })
    }

    static func rounded(_ value: Double, places: Int) -> Double {
        let scale = places == 1 ? 10.0 : 100.0
        return (value * scale).rounded() / scale
    }
}

extension Serializer {
    /// The app name: required on create and `PUT`, letters, digits, `_` and `.`.
    mutating func appName(required: Bool) -> String? {
        string("name", required: required, maximumLength: RostiLimits.appNameMaximumLength, matches: AppStore.isValidName)
    }

    /// The fields an app shares between create and update.
    mutating func readSettings(into app: inout NewApp, _ conn: Connection) throws {
        if let enabled = boolean("enabled") { app.enabled = enabled }
        app.image = try slug("image", slugField: "image") { image in
            try conn.fetchValue(Int64.self, "SELECT 1 FROM rosti_runtimes WHERE image = ?", [image]) != nil
        }
        app.domains = stringList("domains", itemMaximumLength: RostiLimits.domainMaximumLength, maximumCount: RostiLimits.listMaximumCount)
        app.mode = choice("mode", of: AppStore.modes)
        app.plan = try primaryKey("plan") { id in
            try conn.fetchValue(Int64.self, "SELECT 1 FROM rosti_plans WHERE id = ?", [id]) != nil
        }
        app.sshKeys = stringList("ssh_keys", itemMaximumLength: RostiLimits.sshKeyMaximumLength, maximumCount: RostiLimits.listMaximumCount) ?? []
    }
}
