import EmulatedAPIs
import EmulatorState
import Foundation
import Store

@testable import Emulator
import TestSupport

/// The repository's shipped seed folder.
let shippedSeedDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("seed-data", isDirectory: true)

/// Everything a store holds, in a comparable form: every table's rows in key order, the
/// AUTOINCREMENT counters, and every stored file's bytes.
struct StateDump: Equatable {
    var tables: [String: [[DatabaseValue]]] = [:]
    var sequences: [[DatabaseValue]] = []
    var files: [String: [UInt8]] = [:]

    init(_ store: StateStore) throws {
        try store.database.read { conn in
            for table in EmulatedAPIs.schema.tables {
                let keys = try conn.fetchAll("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [table])
                    .map { try $0["name"] as String }
                tables[table] = try conn.fetchAll("SELECT * FROM \(table) ORDER BY \(keys.joined(separator: ", "))").map(\.values)
            }
            sequences = try conn.fetchAll("SELECT name, seq FROM sqlite_sequence ORDER BY name").map(\.values)
        }
        for sha1 in try store.blobs.storedHashes() {
            files[sha1] = try store.blobs.contents(of: sha1)
        }
    }

    var rowCount: Int { tables.values.map(\.count).reduce(0, +) }
}

/// Changes every table and the blob folder, so a reset or an import has work everywhere.
func modifyEverything(_ store: StateStore) throws {
    let upload = try store.blobs.write(Array("uploaded after the seed\n".utf8))
    let seededFile = try store.database.read { try $0.fetchValue(String.self, "SELECT sha1 FROM rosa_files WHERE id = 1") }
    try store.database.write { conn in
        try conn.execute("UPDATE rosti_accounts SET name = 'Renamed' WHERE id = 1")
        try conn.execute("INSERT INTO rosti_companies (name, created) VALUES ('New company', 1)")
        try conn.execute("UPDATE rosti_memberships SET is_default = 0 WHERE account_id = 2")
        try conn.execute("UPDATE rosti_plans SET price = price + 1")
        try conn.execute("UPDATE rosti_runtimes SET is_shown = 1 - is_shown")
        try conn.execute("DELETE FROM rosti_apps WHERE id = 1202")
        try conn.execute(
            """
            INSERT INTO rosti_apps (company_id, name, created, image, plan_id, smtp_username, smtp_token)
            VALUES (1, 'fresh', 2, 'rosti/runtime:2020.03-1', 3, 'x@rostiapp.cz', 't')
            """)
        try conn.execute("INSERT INTO rosti_app_containers (app_id, ssh_hostname, ssh_port, ssh_username) VALUES (?, 'h', 22, 'app')", [conn.lastInsertedRowID])
        try conn.execute("UPDATE rosti_storages SET password = 'changed'")
        try conn.execute("DELETE FROM rosti_apps WHERE id = 1201")  // snapshot keeps app_name, app_id NULL
        try conn.execute("INSERT INTO rosti_jobs (company_id, kind, status, created, params) VALUES (1, 'new_app', 'pending', 3, '{\"name\": \"copy\"}')")
        try conn.execute("UPDATE rosa_users SET password = 'changed' WHERE uname = 'demo'")
        try conn.execute("DELETE FROM rosa_files WHERE id = 1")
        try conn.execute(
            "INSERT INTO rosa_files (sha1, file_name, size, user_id, created) VALUES (?, 'new.txt', ?, 2, 4)",
            [upload.sha1, upload.size])
    }
    if let seededFile { try store.blobs.remove(seededFile) }
}
