import Foundation
import HTTP
import JSON
import RostiHosting
import Store

/// `/api/v1/{company_id}/storages/` and `storages-password/`: MariaDB and PostgreSQL
/// databases whose name and user name the platform chooses and whose password the user sets
/// (and never gets back). Where the engine is installed each storage is a real database
/// (`StorageHosting`): made, given its new password and dropped in the engine as the API
/// says, after the row is committed.
enum Storages {
    enum Engine: String, CaseIterable {
        case mariadb, pgsql

        var hostname: String { self == .mariadb ? "store5.rosti.cz" : "store3.rosti.cz" }
        var port: Int64 { self == .mariadb ? 3306 : 5432 }
        var database: DatabaseEngine { self == .mariadb ? .mariadb : .pgsql }
    }

    static let columns = "id, engine, name, username, hostname, port, note, created"

    static func list(_ call: RostiCall) throws -> Response {
        call.storages.settle(call.tenant)
        return call.ok(try call.readInCompany { conn, company in
            .array(try conn.fetchAll("SELECT \(columns) FROM rosti_storages WHERE company_id = ? ORDER BY id", [company]).map { try json($0, call) })
        })
    }

    static func read(_ call: RostiCall) throws -> Response {
        call.storages.settle(call.tenant)
        return call.ok(try call.readInCompany { conn, company in try fetch(conn, company: company, id: call.objectID(), call) })
    }

    static func create(_ call: RostiCall) throws -> Response {
        let data = try RequestData(call.request)
        call.storages.settle(call.tenant)
        let (storage, made) = try call.writeInCompany { conn, company -> (JSONValue, StorageRow) in
            var fields = try Serializer(data.value())
            let engine = fields.choice("engine", required: true, of: Engine.allCases.map(\.rawValue)).flatMap(Engine.init)
            let password = fields.password(required: true)
            let note = fields.note()
            try fields.finish()
            guard let engine, let password else { throw RostiError.validation(fields.errors) }
            let owner = try conn.fetchValue(String.self, "SELECT name FROM rosti_companies WHERE id = ?", [company]) ?? ""
            let slug = slug(of: (note ?? "").isEmpty ? owner : note!)
            // A placeholder name until the id, which the generated name ends with, is known.
            try conn.execute(
                """
                INSERT INTO rosti_storages (company_id, engine, name, username, hostname, port, note, created, password)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [company, engine.rawValue, "pending-\(UUID().uuidString)", "pending-\(UUID().uuidString)", engine.hostname,
                 engine.port, note ?? "", call.now().rounded(.down), password])
            let id = conn.lastInsertedRowID
            let name = try uniqueName(conn, base: "\(slug)_\(id)")
            try conn.execute("UPDATE rosti_storages SET name = ?, username = ? WHERE id = ?", [name, name, id])
            return (try fetch(conn, company: company, id: id, call), StorageRow(id: id, name: name, password: password))
        }
        if case .string(let engine)? = storage["engine"], let engine = Engine(rawValue: engine) {
            call.storages.created(storage: made.id, named: made.name, engine: engine.database, password: made.password, tenant: call.tenant.name)
        }
        // The port is known once the engine runs (it may have started for this storage).
        return call.ok(try call.database.read { conn in try fetch(conn, company: try PathID.company(of: call.request), id: made.id, call) })
    }

    /// `PATCH storages/{id}/`: the note, and the password too (the engine is fixed once
    /// created).
    static func update(_ call: RostiCall) throws -> Response {
        try change(call, passwordRequired: false, noteAllowed: true)
    }

    /// `PUT storages-password/{id}/` `{"password": "…"}`.
    static func changePassword(_ call: RostiCall) throws -> Response {
        try change(call, passwordRequired: true, noteAllowed: false)
    }

    private static func change(_ call: RostiCall, passwordRequired: Bool, noteAllowed: Bool) throws -> Response {
        let data = try RequestData(call.request)
        let (storage, changedPassword) = try call.writeInCompany { conn, company -> (JSONValue, (String, String, String)?) in
            let id = try call.objectID()
            _ = try fetch(conn, company: company, id: id, call)
            var fields = try Serializer(data.value(), partial: !passwordRequired)
            let password = fields.password(required: passwordRequired)
            let note = noteAllowed ? fields.note() : nil
            try fields.finish()
            if let password { try conn.execute("UPDATE rosti_storages SET password = ? WHERE id = ?", [password, id]) }
            if let note { try conn.execute("UPDATE rosti_storages SET note = ? WHERE id = ?", [note, id]) }
            let row = try conn.fetchOne("SELECT name, engine FROM rosti_storages WHERE id = ?", [id])
            let changed = try password.map { (try row!["name"] as String, try row!["engine"] as String, $0) }
            return (try fetch(conn, company: company, id: id, call), changed)
        }
        if let (name, engine, password) = changedPassword, let engine = Engine(rawValue: engine) {
            call.storages.passwordChanged(named: name, engine: engine.database, password: password, tenant: call.tenant.name)
        }
        return call.ok(storage)
    }

    static func delete(_ call: RostiCall) throws -> Response {
        let (name, engine) = try call.writeInCompany { conn, company -> (String, String) in
            let id = try call.objectID()
            guard let row = try conn.fetchOne("SELECT name, engine FROM rosti_storages WHERE id = ? AND company_id = ?", [id, company]) else {
                throw RostiError.notFound
            }
            try conn.execute("DELETE FROM rosti_storages WHERE id = ?", [id])
            return (try row["name"], try row["engine"])
        }
        if let engine = Engine(rawValue: engine) {
            call.storages.deleted(named: name, engine: engine.database, tenant: call.tenant.name)
        }
        return call.ok(.object(JSONObject()))
    }

    static func fetch(_ conn: Connection, company: Int64, id: Int64, _ call: RostiCall) throws -> JSONValue {
        guard let row = try conn.fetchOne("SELECT \(columns) FROM rosti_storages WHERE id = ? AND company_id = ?", [id, company]) else {
            throw RostiError.notFound
        }
        return try json(row, call)
    }

    /// The reference's storage object; the password is write-only. Where the engine runs
    /// here, `name` and `username` are the ones it knows (with the tenant's tag outside the
    /// default tenant), `hostname` is Rostra's (`--storage-host`) and `port` its server's.
    static func json(_ row: Row, _ call: RostiCall) throws -> JSONValue {
        let engine: String = try row["engine"]
        var name: String = try row["name"]
        var username: String = try row["username"]
        var hostname: String = try row["hostname"]
        var port: Int64 = try row["port"]
        if let database = Engine(rawValue: engine)?.database, call.storages.server(database) != nil {
            call.readLiveValue()
            name = StorageHosting.engineName(name, tenant: call.tenant.name)
            // The account is the database's namesake in the engine, whatever an imported row says.
            username = name
            (hostname, port) = call.storages.address(of: database, rowHostname: hostname, rowPort: port)
        }
        return [
            "id": .integer(try row["id"] as Int64),
            "engine": .string(engine),
            "name": .string(name),
            "username": .string(username),
            "hostname": .string(hostname),
            "port": .integer(port),
            "note": .string(try row["note"]),
            "date": .string(RostiTime.iso8601(try row["created"] as Double)),
        ]
    }

    /// A short slug: ASCII letters and digits (accents dropped: "Pekárna" → "pekarna"),
    /// runs of anything else as one `_`, at most `storageSlugMaximumLength` characters;
    /// "db" when nothing is left.
    static func slug(of text: String) -> String {
        var slug = ""
        for scalar in text.decomposedStringWithCanonicalMapping.lowercased().unicodeScalars {
            if scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) {
                slug.unicodeScalars.append(scalar)
            } else if !scalar.isASCII && scalar.properties.generalCategory == .nonspacingMark {
                continue
            } else if !slug.isEmpty && !slug.hasSuffix("_") {
                slug += "_"
            }
        }
        slug = String(slug.prefix(RostiLimits.storageSlugMaximumLength))
        while slug.hasSuffix("_") { slug.removeLast() }
        return slug.isEmpty ? "db" : slug
    }

    /// `base`, or `base_2`, `base_3` … when an imported storage already has the name.
    private static func uniqueName(_ conn: Connection, base: String) throws -> String {
        var candidate = base
        var suffix = 2
        while try conn.fetchValue(Int64.self, "SELECT 1 FROM rosti_storages WHERE name = ? OR username = ?", [candidate, candidate]) != nil {
            candidate = "\(base)_\(suffix)"
            suffix += 1
        }
        return candidate
    }
}

extension Serializer {
    /// A storage password: write-only, 8 to 128 characters, spaces inside kept.
    mutating func password(required: Bool) -> String? {
        string("password", required: required, minimumLength: RostiLimits.storagePasswordMinimumLength,
               maximumLength: RostiLimits.storagePasswordMaximumLength)
    }

    mutating func note() -> String? {
        string("note", allowBlank: true, maximumLength: RostiLimits.noteMaximumLength)
    }
}
