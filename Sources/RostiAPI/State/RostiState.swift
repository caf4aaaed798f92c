import EmulatorState
import Foundation
import RostiHosting
import Store

/// The Rosti API's share of the emulator's state: accounts, companies, plans, runtimes,
/// apps and their containers, storages, snapshots and jobs in the database, and beside it
/// each app's folder and the storages' databases (`RostiStoredFiles`).
public struct RostiState: StatePlugin {
    public static let seedFileName = "rosti.json"

    public let name = "rosti"
    public let tables = [
        "rosti_accounts", "rosti_companies", "rosti_memberships", "rosti_plans", "rosti_runtimes",
        "rosti_apps", "rosti_app_containers", "rosti_storages", "rosti_snapshots", "rosti_jobs",
    ]

    public init() {}

    public var schemaSteps: [SchemaStep] {
        [
            SchemaStep(version: 1, name: "rosti state", sql: Self.version1),
            SchemaStep(version: 2, name: "rosti app data size", sql: Self.version2),
        ]
    }

    /// Beside its tables: each app's folder (its `/srv`), in `<db>-apps/` or, for a
    /// throwaway state, a temporary folder made when an app first needs one; and its
    /// storages' databases in the engines, which an export carries as dumps.
    public func openFiles(for location: StateStore.Location) throws -> (any StateFiles)? {
        switch location {
        case .memory: return RostiStoredFiles(apps: AppFolderFiles(space: AppSpace(location: .temporary)))
        case .file(let path): return RostiStoredFiles(apps: AppFolderFiles(space: AppSpace(location: .folder(path + "-apps"))))
        }
    }

    // AUTOINCREMENT keeps ids of deleted rows from coming back (a client that remembers
    // app 12 must not find a different app 12 later), as the real service's ids behave.
    private static let version1 = """
        CREATE TABLE rosti_accounts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            name TEXT NOT NULL,
            token TEXT NOT NULL UNIQUE
                CHECK (length(token) = 40 AND token NOT GLOB '*[^0-9A-Za-z]*'),
            created REAL NOT NULL
        );
        CREATE TABLE rosti_companies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            created REAL NOT NULL
        );
        CREATE TABLE rosti_memberships (
            account_id INTEGER NOT NULL REFERENCES rosti_accounts(id) ON DELETE CASCADE,
            company_id INTEGER NOT NULL REFERENCES rosti_companies(id) ON DELETE CASCADE,
            is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
            PRIMARY KEY (account_id, company_id)
        ) WITHOUT ROWID;
        CREATE INDEX rosti_memberships_by_company ON rosti_memberships (company_id);
        CREATE UNIQUE INDEX rosti_memberships_one_default
            ON rosti_memberships (account_id) WHERE is_default = 1;

        CREATE TABLE rosti_plans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            ram_mb INTEGER NOT NULL CHECK (ram_mb > 0),
            disk_gb INTEGER NOT NULL CHECK (disk_gb > 0),
            price INTEGER NOT NULL CHECK (price >= 0),
            cpu_quota INTEGER NOT NULL CHECK (cpu_quota > 0)
        );
        CREATE TABLE rosti_runtimes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            image TEXT NOT NULL UNIQUE,
            is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
            is_shown INTEGER NOT NULL DEFAULT 1 CHECK (is_shown IN (0, 1))
        );
        CREATE UNIQUE INDEX rosti_runtimes_one_default ON rosti_runtimes (is_default) WHERE is_default = 1;

        CREATE TABLE rosti_apps (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            company_id INTEGER NOT NULL REFERENCES rosti_companies(id) ON DELETE CASCADE,
            name TEXT NOT NULL CHECK (name <> '' AND name NOT GLOB '*[^A-Za-z0-9_.]*'),
            created REAL NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
            image TEXT NOT NULL,
            domains TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(domains) AND json_type(domains) = 'array'),
            mode TEXT NOT NULL DEFAULT 'https+le' CHECK (mode IN ('https+le', 'http')),
            plan_id INTEGER NOT NULL REFERENCES rosti_plans(id),
            ssh_keys TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(ssh_keys) AND json_type(ssh_keys) = 'array'),
            smtp_username TEXT NOT NULL,
            smtp_token TEXT NOT NULL,
            app_port INTEGER NOT NULL DEFAULT 8080 CHECK (app_port BETWEEN 1 AND 65535)
        );
        CREATE INDEX rosti_apps_by_company ON rosti_apps (company_id);
        CREATE INDEX rosti_apps_by_plan ON rosti_apps (plan_id);

        CREATE TABLE rosti_app_containers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            app_id INTEGER NOT NULL REFERENCES rosti_apps(id) ON DELETE CASCADE,
            ssh_hostname TEXT NOT NULL,
            ssh_port INTEGER NOT NULL CHECK (ssh_port BETWEEN 1 AND 65535),
            ssh_username TEXT NOT NULL
        );
        CREATE INDEX rosti_app_containers_by_app ON rosti_app_containers (app_id);

        -- The password is kept in plain text: this is an emulator with well-known
        -- development credentials, and tests may want to read it back.
        CREATE TABLE rosti_storages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            company_id INTEGER NOT NULL REFERENCES rosti_companies(id) ON DELETE CASCADE,
            engine TEXT NOT NULL CHECK (engine IN ('mariadb', 'pgsql')),
            name TEXT NOT NULL UNIQUE,
            username TEXT NOT NULL UNIQUE,
            hostname TEXT NOT NULL,
            port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
            note TEXT NOT NULL DEFAULT '',
            created REAL NOT NULL,
            password TEXT NOT NULL
        );
        CREATE INDEX rosti_storages_by_company ON rosti_storages (company_id);

        -- app_id is NULL once the app is deleted; app_name keeps what it was called.
        CREATE TABLE rosti_snapshots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            company_id INTEGER NOT NULL REFERENCES rosti_companies(id) ON DELETE CASCADE,
            app_id INTEGER REFERENCES rosti_apps(id) ON DELETE SET NULL,
            app_name TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created REAL NOT NULL,
            size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
            status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed'))
        );
        CREATE INDEX rosti_snapshots_by_company ON rosti_snapshots (company_id);
        CREATE INDEX rosti_snapshots_by_app ON rosti_snapshots (app_id);

        -- pending_until and running_until are the emulator-clock times at which the
        -- scheduler moves the job on, so jobs keep advancing after a restart. params holds
        -- what the job needs at completion (new_app: {"name": …, "plan": …}).
        CREATE TABLE rosti_jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            company_id INTEGER NOT NULL REFERENCES rosti_companies(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('snapshot', 'restore', 'new_app')),
            status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
            app_id INTEGER REFERENCES rosti_apps(id) ON DELETE SET NULL,
            snapshot_id INTEGER REFERENCES rosti_snapshots(id) ON DELETE SET NULL,
            progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
            message TEXT NOT NULL DEFAULT '',
            created REAL NOT NULL,
            started REAL,
            finished REAL,
            pending_until REAL,
            running_until REAL,
            params TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params) AND json_type(params) = 'object')
        );
        CREATE INDEX rosti_jobs_by_company ON rosti_jobs (company_id, status);
        CREATE INDEX rosti_jobs_unfinished ON rosti_jobs (status) WHERE status IN ('pending', 'running');
        """

    // How many bytes of data an emulated app holds: a snapshot takes this size, a restore
    // puts the snapshot's size back, and apps-status reports it as storage usage — so a
    // restore has an effect clients can see. Existing and new apps start with 50 MiB.
    private static let version2 = """
        ALTER TABLE rosti_apps ADD COLUMN data_bytes INTEGER NOT NULL DEFAULT 52428800 CHECK (data_bytes >= 0);
        """

    // MARK: Seed

    /// Reads `rosti.json`: companies, accounts, plans, runtimes, apps, storages, snapshots, jobs.
    public func loadSeed(from directory: URL, into conn: Connection) throws -> [String: [UInt8]] {
        let file = try SeedFile(
            directory: directory, name: Self.seedFileName,
            sections: ["companies", "accounts", "plans", "runtimes", "apps", "storages", "snapshots", "jobs"])
        // What later records may refer to, by id.
        var companyIDs: Set<Int64> = []
        var planIDs: Set<Int64> = []
        var runtimeImages: Set<String> = []
        var appCompanies: [Int64: Int64] = [:]
        var snapshotCompanies: [Int64: Int64] = [:]
        func claimIDAndCompany(_ record: inout SeedRecord, kind: String, in unique: inout UniqueValues) throws -> (Int64, Int64) {
            let id = try record.claimID(kind: kind, in: &unique)
            let company = try record.int("company")
            try record.reference(company, in: companyIDs, field: "company", kind: "company")
            return (id, company)
        }
        func checkApp(_ app: Int64, belongsTo company: Int64, _ record: SeedRecord) throws {
            guard let owner = appCompanies[app] else {
                throw record.failure("field \"app\" names app \(app), which does not exist")
            }
            guard owner == company else { throw record.failure("app \(app) belongs to company \(owner), not \(company)") }
        }

        var unique = UniqueValues()
        try file.forEachRecord(in: "companies") { record in
            let id = try record.claimID(kind: "company", in: &unique)
            try conn.execute(
                "INSERT INTO rosti_companies (id, name, created) VALUES (?, ?, ?)",
                [id, try record.string("name"), try record.time("created")])
            companyIDs.insert(id)
        }
        try file.forEachRecord(in: "accounts") { record in
            let id = try record.claimID(kind: "account", in: &unique)
            let email = try record.string("email")
            try unique.claim(email.lowercased(), field: "account email", by: record)
            let token = try record.string("token")
            try unique.claim(token, field: "account token", by: record)
            guard RostiToken.isWellFormed(token) else {
                throw record.failure("field \"token\" must be \(RostiToken.rule)")
            }
            try conn.execute(
                "INSERT INTO rosti_accounts (id, email, name, token, created) VALUES (?, ?, ?, ?, ?)",
                [id, email, try record.string("name"), token, try record.time("created")])
            let companies = try record.intArray("companies")
            let defaultCompany = try record.int("default_company")
            guard companies.contains(defaultCompany) else {
                throw record.failure("field \"default_company\" (\(defaultCompany)) is not one of its \"companies\"")
            }
            guard Set(companies).count == companies.count else {
                throw record.failure("field \"companies\" lists a company twice")
            }
            for company in companies {
                try record.reference(company, in: companyIDs, field: "companies", kind: "company")
                try conn.execute(
                    "INSERT INTO rosti_memberships (account_id, company_id, is_default) VALUES (?, ?, ?)",
                    [id, company, company == defaultCompany])
            }
        }
        try file.forEachRecord(in: "plans") { record in
            let id = try record.claimID(kind: "plan", in: &unique)
            let planName = try record.string("name")
            try unique.claim(planName, field: "plan name", by: record)
            try conn.execute(
                "INSERT INTO rosti_plans (id, name, ram_mb, disk_gb, price, cpu_quota) VALUES (?, ?, ?, ?, ?, ?)",
                [id, planName, try record.int("ram"), try record.int("disk"), try record.int("price"),
                 try record.int("cpu_quota")])
            planIDs.insert(id)
        }
        var defaultRuntimes: [String] = []
        try file.forEachRecord(in: "runtimes") { record in
            let id = try record.claimID(kind: "runtime", in: &unique)
            let image = try record.string("image")
            try unique.claim(image, field: "runtime image", by: record)
            let isDefault = try record.bool("default")
            if isDefault, let first = defaultRuntimes.first {
                throw record.failure("a second default runtime (\(first) is already the default)")
            }
            if isDefault { defaultRuntimes.append(record.label) }
            try conn.execute(
                "INSERT INTO rosti_runtimes (id, image, is_default, is_shown) VALUES (?, ?, ?, ?)",
                [id, image, isDefault, try record.bool("show")])
            runtimeImages.insert(image)
        }
        if !file.isEmpty("runtimes") && defaultRuntimes.isEmpty {
            throw file.failure("no runtime has \"default\": true (new apps need one)")
        }
        try file.forEachRecord(in: "apps") { record in
            let (id, company) = try claimIDAndCompany(&record, kind: "app", in: &unique)
            let plan = try record.int("plan")
            try record.reference(plan, in: planIDs, field: "plan", kind: "plan")
            let image = try record.string("image")
            guard runtimeImages.contains(image) else {
                throw record.failure("field \"image\" names runtime \"\(image)\", which does not exist")
            }
            try conn.execute(
                """
                INSERT INTO rosti_apps (id, company_id, name, created, enabled, image, domains, mode, plan_id,
                    ssh_keys, smtp_username, smtp_token, app_port)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [id, company, try record.string("name"), try record.time("date"), try record.bool("enabled"), image,
                 SeedRecord.jsonArray(try record.stringArray("domains")), try record.string("mode", oneOf: ["https+le", "http"]),
                 plan, SeedRecord.jsonArray(try record.stringArray("ssh_keys")), try record.string("smtp_username"),
                 try record.string("smtp_token"), try record.int("app_port")])
            let access = try record.array("ssh_access")
            guard !access.isEmpty else { throw record.failure("field \"ssh_access\" needs at least one container") }
            for (index, node) in access.enumerated() {
                var container = try SeedRecord(file: record.file, collection: "\(record.label).ssh_access", index: index, node: node)
                try conn.execute(
                    "INSERT INTO rosti_app_containers (app_id, ssh_hostname, ssh_port, ssh_username) VALUES (?, ?, ?, ?)",
                    [id, try container.string("hostname"), try container.int("port"), try container.string("username")])
                try container.finish()
            }
            appCompanies[id] = company
        }
        try file.forEachRecord(in: "storages") { record in
            let (id, company) = try claimIDAndCompany(&record, kind: "storage", in: &unique)
            let storageName = try record.string("name")
            try unique.claim(storageName, field: "storage name", by: record)
            let username = try record.string("username")
            try unique.claim(username, field: "storage username", by: record)
            try conn.execute(
                """
                INSERT INTO rosti_storages (id, company_id, engine, name, username, hostname, port, note, created, password)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [id, company, try record.string("engine", oneOf: ["mariadb", "pgsql"]), storageName, username,
                 try record.string("hostname"), try record.int("port"), try record.string("note"),
                 try record.time("date"), try record.string("password")])
        }
        try file.forEachRecord(in: "snapshots") { record in
            let (id, company) = try claimIDAndCompany(&record, kind: "snapshot", in: &unique)
            let app = try record.optionalInt("app")
            if let app { try checkApp(app, belongsTo: company, record) }
            try conn.execute(
                """
                INSERT INTO rosti_snapshots (id, company_id, app_id, app_name, note, created, size, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [id, company, app, try record.string("app_name"), try record.string("note"), try record.time("date"),
                 try record.int("size"), try record.string("status", oneOf: ["pending", "ready", "failed"])])
            snapshotCompanies[id] = company
        }
        try file.forEachRecord(in: "jobs") { record in
            let (id, company) = try claimIDAndCompany(&record, kind: "job", in: &unique)
            let app = try record.optionalInt("app")
            if let app { try checkApp(app, belongsTo: company, record) }
            let snapshot = try record.optionalInt("snapshot")
            if let snapshot {
                guard let owner = snapshotCompanies[snapshot] else {
                    throw record.failure("field \"snapshot\" names snapshot \(snapshot), which does not exist")
                }
                guard owner == company else {
                    throw record.failure("snapshot \(snapshot) belongs to company \(owner), not \(company)")
                }
            }
            try conn.execute(
                """
                INSERT INTO rosti_jobs (id, company_id, kind, status, app_id, snapshot_id, progress, message, created,
                    started, finished, pending_until, running_until, params)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [id, company, try record.string("kind", oneOf: ["snapshot", "restore", "new_app"]),
                 try record.string("status", oneOf: ["pending", "running", "done", "failed"]), app, snapshot,
                 try record.int("progress"), try record.string("message"), try record.time("created"),
                 try record.optionalTime("started"), try record.optionalTime("finished"),
                 try record.optionalTime("pending_until"), try record.optionalTime("running_until"),
                 record.isPresent("params") ? try record.objectJSON("params") : "{}"])
        }
        return [:]
    }
}
