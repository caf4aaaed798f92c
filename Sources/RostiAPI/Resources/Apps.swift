import Emulator
import HTTP
import JSON
import RostiHosting
import Store

/// `/api/v1/{company_id}/apps/`, `apps-action/` and `apps-status/`.
enum Apps {
    static func list(_ call: RostiCall) throws -> Response {
        call.ok(try call.readInCompany { conn, company in try AppStore.list(conn, company: company) })
    }

    static func read(_ call: RostiCall) throws -> Response {
        return call.ok(try call.readInCompany { conn, company in try AppStore.json(conn, company: company, id: call.objectID()) })
    }

    /// A new app, with its container's SSH endpoint listening before the answer goes out:
    /// the port is claimed first, the row names it, and the container takes it once the row
    /// is in (or the port is given back when the request is refused).
    static func create(_ call: RostiCall) throws -> Response {
        let data = try RequestData(call.request)
        let space = call.tenant.state.appSpace
        return try space.changes.withLock {
            let endpoint = space.claimEndpoint()
            let hostname = space.host?.configuration.sshHostName
            defer { endpoint?.release() }
            var made: (id: Int64, settings: AppContainer.Settings)?
            let answer = try call.writeInCompany { conn, company in
                var fields = try Serializer(data.value())
                let name = fields.appName(required: true)
                var app = NewApp(company: company, name: name ?? "")
                try fields.readSettings(into: &app, conn)
                app.appPort = fields.integer("app_port", range: RostiLimits.portRange)
                try fields.finish()
                let ssh = endpoint.flatMap { endpoint in hostname.map { (hostname: $0, port: endpoint.port) } }
                let id = try AppStore.insert(conn, app, now: call.now(), ssh: ssh)
                made = (id, AppContainer.Settings(
                    name: app.name, keys: app.sshKeys, enabled: app.enabled, appPort: Int(app.appPort ?? RostiDefaults.appPort)))
                return try AppStore.json(conn, company: company, id: id)
            }
            if let made, let container = try space.makeContainer(made.id, settings: made.settings) {
                if let endpoint { endpoint.attach(to: container) } else { container.open(preferring: nil) }
                // An enabled app runs from the start (within the number Rostra starts by itself;
                // an app made by the thousand, in a benchmark, starts on its first connection).
                if made.settings.enabled { container.startInBackground() }
            }
            space.host?.frontsChanged(wait: true)
            return call.ok(answer)
        }
    }

    /// `PUT` (name required) and `PATCH`. Fields left out keep their values, as in DRF;
    /// read-only fields (`id`, `date`, `ssh_access`, `smtp_*`, and `app_port` after creation)
    /// are ignored whatever they hold.
    static func update(_ call: RostiCall, partial: Bool) throws -> Response {
        let data = try RequestData(call.request)
        return call.ok(try call.writeApp { conn, company in
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

    /// The row goes, then the app's container: its port closes, its sessions and processes
    /// end and its folder is removed before the answer.
    static func delete(_ call: RostiCall) throws -> Response {
        let response = try call.deleteCompanyRow(from: "rosti_apps")
        let id = try call.objectID()
        let space = call.tenant.state.appSpace
        try space.changes.withLock { try space.removeApp(id) }
        space.host?.frontsChanged(wait: true)
        return response
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
        let answer = try call.writeInCompany { conn, company in
            let id = try call.objectID()
            guard try AppStore.exists(conn, company: company, id: id) else { throw RostiError.notFound }
            var fields = try Serializer(data.value())
            let action = fields.choice("action", required: true, of: Action.allCases.map(\.rawValue)).flatMap(Action.init)
            try fields.finish()
            if let action {
                try conn.execute("UPDATE rosti_apps SET enabled = ? WHERE id = ?", [action.leavesAppEnabled, id])
            }
            return (try AppStore.json(conn, company: company, id: id), action, id)
        }
        // A stopped app's container ends with every process in it (the row says so). A
        // start, a restart and a rebuild answer once the container runs and its supervisord
        // listens (its programs are being started), so that the next request sees it up —
        // or after `actionAnswerSeconds`, the start going on.
        try AppContainers.follow(app: answer.2, in: call.tenant.state)
        if let container = call.tenant.state.appSpace.container(answer.2), let action = answer.1, action != .stop,
           let host = call.tenant.state.appSpace.host
        {
            let logger = call.logger
            let inTime = container.act(waitingAtMost: host.configuration.limits.actionAnswerSeconds) { container in
                switch action {
                case .start: container.start()
                case .restart:
                    container.stop()
                    container.start()
                case .rebuild:
                    do {
                        try container.rebuild()
                    } catch {
                        logger.error("apps-action rebuild of app \(container.appID): \(error)")
                    }
                case .stop: break
                }
            }
            if !inTime {
                logger.warning("apps-action \(action.rawValue) of app \(container.appID): answered before its container was up (it goes on starting)")
            }
        }
        call.tenant.state.appSpace.host?.frontsChanged(wait: true)
        return call.ok(answer.0)
    }

    // MARK: apps-status

    /// What the runtime image runs, as apps-status reports it.
    static let techsByImage: [String: (name: String, version: String)] = [
        "rosti/runtime:2019.11-1": ("python", "3.8.0"),
        "rosti/runtime:2020.03-1": ("python", "3.8.2"),
        "rosti/runtime:2021.01-1": ("python", "3.9.1"),
    ]

    /// With containers, from reality: `running` is the container's supervisord answering;
    /// `memory.usage` the resident memory of its processes (MB), `storage.usage` the size of
    /// its `/srv` (GB), each against its plan; the primary tech the one `rosti` set;
    /// `http_status` whether the app answers through the front door; `dns_status` whether
    /// every domain resolves to this machine; `errors` a program that failed or supervisor
    /// files that do not read, as the platform says them. Without containers (the API
    /// alone), `running` follows `enabled` and usage is the app's recorded data and a steady
    /// share of its plan's memory.
    static func status(_ call: RostiCall) throws -> Response {
        let space = call.tenant.state.appSpace
        // The container's state is not in the rows: such an answer is not cached.
        if space.host != nil { call.readLiveValue() }
        let id = try call.objectID()
        let row = try call.readInCompany { conn, company -> StatusRow in
            guard let row = try conn.fetchOne(
                """
                SELECT a.name, a.enabled, a.image, a.data_bytes, a.domains, p.ram_mb, p.disk_gb FROM rosti_apps a
                JOIN rosti_plans p ON p.id = a.plan_id WHERE a.id = ? AND a.company_id = ?
                """, [id, company])
            else { throw RostiError.notFound }
            return StatusRow(
                name: try row["name"], enabled: try row["enabled"], image: try row["image"], dataBytes: try row["data_bytes"],
                domains: AppStore.storedList(try row["domains"]).stringItems, ram: try row["ram_mb"], disk: try row["disk_gb"])
        }
        var tech = techsByImage[row.image].map { tech -> JSONValue in ["name": .string(tech.name), "version": .string(tech.version)] }
        var techs: [JSONValue] = tech.map { [$0] } ?? []
        guard let host = space.host else {
            let storageUsage = rounded(Double(row.dataBytes) / 1_073_741_824, places: 2)
            let memoryShare = 0.15 + Double(id % 31) / 100
            return call.ok(statusJSON(
                errors: [], info: [], dnsStatus: true, httpStatus: row.enabled, running: row.enabled, storageUsage: storageUsage,
                storageLimit: row.disk, memoryUsage: row.enabled ? rounded(Double(row.ram) * memoryShare, places: 1) : 0,
                memoryLimit: row.ram, tech: tech, techs: techs))
        }
        if let chosen = space.primaryTech(of: id) {
            tech = ["name": .string(chosen.name), "version": .string(chosen.version)]
            techs = host.machineTechs.map { .string($0.folderName) }
        }
        let container = space.container(id)
        let observation = container?.observe() ?? .stopped
        // To the kilobyte: a freshly deployed app's few hundred kilobytes are not 0.
        let storageUsage = (Double(container?.srvBytes ?? 0) / 1_073_741_824 * 1_000_000).rounded() / 1_000_000
        let memoryUsage = rounded(Double(observation.residentBytes) / 1_048_576, places: 1)
        var errors: [Message] = []
        var info = containerInfo(app: id, space: space, host: host)
        for program in observation.programs where program.hasFailed {
            errors.append(.programNotRunning(name: program.name, state: program.state, detail: program.detail))
        }
        if let problem = observation.supervisorProblem, row.enabled { errors.append(.supervisorFilesBroken(problem)) }
        if storageUsage > Double(row.disk) { errors.append(.storageOverLimit(usage: storageUsage, limit: row.disk)) }
        if memoryUsage > Double(row.ram) { info.append(.memoryOverLimit(usage: memoryUsage, limit: row.ram)) }
        let names = row.domains.isEmpty ? [] : row.domains
        let unresolved = names.filter { !HostNames.resolvesHere($0) }
        let tenantName = call.tenant.name == TenantName.defaultName ? nil : call.tenant.name
        let probe = AppProbe.status(
            through: host.frontDoorAddress, hostName: Self.localName(name: row.name, id: id, tenant: tenantName),
            fallbackPort: container?.frontPort)
        if observation.running, let status = probe, status >= 500 { info.append(.httpAnswered(status)) }
        return call.ok(statusJSON(
            errors: errors.map { .string($0.text(call.language)) }, info: info.map { .string($0.text(call.language)) },
            dnsStatus: unresolved.isEmpty, httpStatus: observation.running && (probe.map { $0 < 500 } ?? false),
            running: observation.running, storageUsage: storageUsage, storageLimit: row.disk, memoryUsage: memoryUsage,
            memoryLimit: row.ram, tech: tech, techs: techs))
    }

    /// The app's name under `.localhost`, which resolves to this machine in browsers and
    /// curl with no `/etc/hosts` edit: `<name>-<id>.localhost` (another tenant's app:
    /// `<name>-<id>.<tenant>.localhost`), the front door's name for it.
    static func localName(name: String, id: Int64, tenant: String? = nil) -> String {
        label(name) + "-\(id)" + localSuffix(tenant: tenant)
    }

    /// What follows `<name>-<id>` in an app's front-door name: `[.<tenant>].localhost`.
    static func localSuffix(tenant: String?) -> String {
        (tenant.map { "." + label($0) } ?? "") + ".localhost"
    }

    /// Letters and digits, anything else `-`: a DNS label.
    private static func label(_ text: String) -> String {
        String(text.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" })
    }

    struct StatusRow {
        let name: String
        let enabled: Bool
        let image: String
        let dataBytes: Int64
        let domains: [String]
        let ram: Int64
        let disk: Int64
    }

    static func statusJSON(
        errors: [JSONValue], info: [JSONValue], dnsStatus: Bool, httpStatus: Bool, running: Bool, storageUsage: Double,
        storageLimit: Int64, memoryUsage: Double, memoryLimit: Int64, tech: JSONValue?, techs: [JSONValue]
    ) -> JSONValue {
        [
            "errors": .array(errors),
            "info": .array(info),
            "dns_status": .bool(dnsStatus),
            "http_status": .bool(httpStatus),
            "running": .bool(running),
            "storage": [
                "usage": .number(storageUsage), "limit": .integer(storageLimit),
                "over_limit": .integer(storageUsage > Double(storageLimit) ? 1 : 0),
            ],
            "memory": ["usage": .number(memoryUsage), "limit": .integer(memoryLimit)],
            "primary_tech": tech ?? .null,
            "techs": .array(techs),
        ]
    }

    /// What keeps the app's SSH from working, for `info`.
    static func containerInfo(app: Int64, space: AppSpace, host: ContainerHost) -> [Message] {
        let readiness = host.readiness
        guard readiness.isReady else { return [.containerPartsMissing(problems: readiness.problems.joined(separator: "; "))] }
        guard let status = space.container(app)?.status else { return [] }
        var info: [Message] = []
        if status.port == nil { info.append(.sshPortMissing(held: host.endpointCount)) }
        if let seconds = status.lateSeconds { info.append(.sshLate(seconds: Int(seconds.rounded(.up)))) }
        if let seconds = status.refusedSeconds { info.append(.sshRefused(seconds: Int(seconds.rounded(.up)))) }
        if let problem = status.problem { info.append(.containerProblem(problem)) }
        if status.waitingForStart { info.append(.containerWaiting(started: host.configuration.limits.automaticallyStartedContainers)) }
        return info
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
