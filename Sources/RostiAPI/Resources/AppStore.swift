import JSON
import Store

/// What a new app is made of; everything left nil takes the platform's default.
struct NewApp {
    var company: Int64
    var name: String
    var enabled = true
    var image: String?
    var domains: [String]?
    var mode: String?
    var plan: Int64?
    var sshKeys: [String] = []
    var appPort: Int64?
    /// Bytes of data (from a snapshot); nil for the schema's default.
    var dataBytes: Int64?

    init(company: Int64, name: String, plan: Int64? = nil, dataBytes: Int64? = nil) {
        self.company = company
        self.name = name
        self.plan = plan
        self.dataBytes = dataBytes
    }
}

/// Apps in `rosti_apps`, with their containers, as the API shows them.
enum AppStore {
    /// Letters, digits, `_` and `.` (the reference's name rule; also the table's CHECK).
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == ".")
        }
    }

    static let modes = ["https+le", "http"]

    static func defaultImage(_ conn: Connection) throws -> String {
        try conn.fetchValue(String.self, "SELECT image FROM rosti_runtimes ORDER BY is_default DESC, id LIMIT 1") ?? ""
    }

    /// Start+ as the reference says; the first plan if a changed seed has no Start+.
    static func defaultPlan(_ conn: Connection) throws -> Int64 {
        try conn.fetchValue(
            Int64.self, "SELECT id FROM rosti_plans ORDER BY name = ? DESC, id LIMIT 1", [RostiDefaults.planName]) ?? 0
    }

    /// Inserts the app and its one container; the id decides the default domain and the SMTP
    /// user name, so those are filled in right after. The SSH endpoint is `ssh` (a port the
    /// app's container claimed), else made up from the id (apps without a real container,
    /// and apps a job makes, whose container follows after the job's transaction).
    static func insert(_ conn: Connection, _ app: NewApp, now: Double, ssh: (hostname: String, port: Int)? = nil) throws -> Int64 {
        let image = try app.image ?? defaultImage(conn)
        let plan = try app.plan ?? defaultPlan(conn)
        try conn.execute(
            """
            INSERT INTO rosti_apps (company_id, name, created, enabled, image, domains, mode, plan_id, ssh_keys,
                                    smtp_username, smtp_token, app_port)
            VALUES (?, ?, ?, ?, ?, '[]', ?, ?, ?, '', ?, ?)
            """,
            [app.company, app.name, now.rounded(.down), app.enabled, image, app.mode ?? RostiDefaults.appMode, plan,
             jsonText(app.sshKeys), randomToken(), app.appPort ?? RostiDefaults.appPort])
        let id = conn.lastInsertedRowID
        let domains = app.domains ?? ["\(app.name)-\(id)\(RostiDefaults.domainSuffix)"]
        try conn.execute(
            "UPDATE rosti_apps SET domains = ?, smtp_username = ? WHERE id = ?",
            [jsonText(domains), "\(id)@\(RostiDefaults.smtpDomain)", id])
        if let dataBytes = app.dataBytes {
            try conn.execute("UPDATE rosti_apps SET data_bytes = ? WHERE id = ?", [dataBytes, id])
        }
        try conn.execute(
            "INSERT INTO rosti_app_containers (app_id, ssh_hostname, ssh_port, ssh_username) VALUES (?, ?, ?, ?)",
            [id, ssh?.hostname ?? RostiDefaults.sshHostname, ssh.map { Int64($0.port) } ?? RostiDefaults.sshPort(forApp: id),
             RostiDefaults.sshUsername])
        return id
    }

    // MARK: Reading

    static let columns = "id, name, created, enabled, image, domains, mode, plan_id, ssh_keys, smtp_username, smtp_token, app_port"

    static func exists(_ conn: Connection, company: Int64, id: Int64) throws -> Bool {
        try conn.fetchValue(Int64.self, "SELECT 1 FROM rosti_apps WHERE id = ? AND company_id = ?", [id, company]) != nil
    }

    /// The app as JSON, or 404.
    static func json(_ conn: Connection, company: Int64, id: Int64) throws -> JSONValue {
        guard let row = try conn.fetchOne("SELECT \(columns) FROM rosti_apps WHERE id = ? AND company_id = ?", [id, company]) else {
            throw RostiError.notFound
        }
        let containers = try conn.fetchAll(
            "SELECT ssh_hostname, ssh_port, ssh_username FROM rosti_app_containers WHERE app_id = ? ORDER BY id", [id])
        return try json(row, containers: containers)
    }

    /// Every app of the company, by id.
    static func list(_ conn: Connection, company: Int64) throws -> JSONValue {
        var containers: [Int64: [Row]] = [:]
        try conn.forEachRow(
            """
            SELECT c.app_id, c.ssh_hostname, c.ssh_port, c.ssh_username FROM rosti_apps a
            JOIN rosti_app_containers c ON c.app_id = a.id WHERE a.company_id = ? ORDER BY a.id, c.id
            """, [company]
        ) { row in containers[try row["app_id"], default: []].append(row) }
        var apps: [JSONValue] = []
        try conn.forEachRow("SELECT \(columns) FROM rosti_apps WHERE company_id = ? ORDER BY id", [company]) { row in
            apps.append(try json(row, containers: containers[try row["id"]] ?? []))
        }
        return .array(apps)
    }

    /// The reference's app object, fields in its order. `ssh_access` is never empty: the
    /// official client connects to its first entry right after creating an app.
    static func json(_ row: Row, containers: [Row]) throws -> JSONValue {
        [
            "id": .integer(try row["id"] as Int64),
            "date": .string(RostiTime.iso8601(try row["created"] as Double)),
            "name": .string(try row["name"]),
            "enabled": .bool(try row["enabled"]),
            "image": .string(try row["image"]),
            "domains": storedList(try row["domains"]),
            "mode": .string(try row["mode"]),
            "plan": .integer(try row["plan_id"] as Int64),
            "ssh_access": .array(try containers.map { container in
                [
                    "hostname": .string(try container["ssh_hostname"]),
                    "port": .integer(try container["ssh_port"] as Int64),
                    "username": .string(try container["ssh_username"]),
                ]
            }),
            "ssh_keys": storedList(try row["ssh_keys"]),
            "smtp_username": .string(try row["smtp_username"]),
            "smtp_token": .string(try row["smtp_token"]),
            "app_port": .integer(try row["app_port"] as Int64),
        ]
    }

    /// A JSON array column, written out again in the API's compact form.
    static func storedList(_ text: String) -> JSONValue {
        if case .array(let items)? = try? JSONParser.parse(Array(text.utf8)) { return .array(items) }
        return .array([])
    }

    static func jsonText(_ strings: [String]) -> String {
        JSONWriter.text(.array(strings.map(JSONValue.string)), .djangoREST)
    }

    /// 32 lowercase hex digits, like the seed's SMTP tokens.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let text = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
