import Foundation
import HTTP
import JSON
import Store

/// `/api/v1/{company_id}/storages/` and `storages-password/`: MariaDB and PostgreSQL
/// databases whose name and user name the platform chooses and whose password the user sets
/// (and never gets back).
enum Storages {
    enum Engine: String, CaseIterable {
        case mariadb, pgsql

        var hostname: String { self == .mariadb ? "store5.rosti.cz" : "store3.rosti.cz" }
        var port: Int64 { self == .mariadb ? 3306 : 5432 }
    }

    static let columns = "id, engine, name, username, hostname, port, note, created"

    static func list(_ call: RostiCall) throws -> Response {
        call.ok(try call.readInCompany { conn, company in
            .array(try conn.fetchAll("SELECT \(columns) FROM rosti_storages WHERE company_id = ? ORDER BY id", [company]).map(json))
        })
    }

    static func read(_ call: RostiCall) throws -> Response {
        return call.ok(try call.readInCompany { conn, company in try fetch(conn, company: company, id: call.objectID()) })
    }

    static func create(_ call: RostiCall) throws -> Response {
        let data = try RequestData(call.request)
        return call.ok(try call.writeInCompany { conn, company in
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
            return try fetch(conn, company: company, id: id)
        })
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
        return call.ok(try call.writeInCompany { conn, company in
            let id = try call.objectID()
            _ = try fetch(conn, company: company, id: id)
            var fields = try Serializer(data.value(), partial: !passwordRequired)
            let password = fields.password(required: passwordRequired)
            let note = noteAllowed ? fields.note() : nil
            try fields.finish()
            if let password { try conn.execute("UPDATE rosti_storages SET password = ? WHERE id = ?", [password, id]) }
            if let note { try conn.execute("UPDATE rosti_storages SET note = ? WHERE id = ?", [note, id]) }
            return try fetch(conn, company: company, id: id)
        })
    }

    static func delete(_ call: RostiCall) throws -> Response {
        try call.deleteCompanyRow(from: "rosti_storages")
    }

    static func fetch(_ conn: Connection, company: Int64, id: Int64) throws -> JSONValue {
        guard let row = try conn.fetchOne("SELECT \(columns) FROM rosti_storages WHERE id = ? AND company_id = ?", [id, company]) else {
            throw RostiError.notFound
        }
        return try json(row)
    }

    /// The reference's storage object; the password is write-only.
    static func json(_ row: Row) throws -> JSONValue {
        [
            "id": .integer(try row["id"] as Int64),
            "engine": .string(try row["engine"]),
            "name": .string(try row["name"]),
            "username": .string(try row["username"]),
            "hostname": .string(try row["hostname"]),
            "port": .integer(try row["port"] as Int64),
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
