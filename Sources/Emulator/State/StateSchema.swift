import Store

/// The emulator's tables. Times are REAL unix seconds (UTC, fractions allowed: the
/// emulator's clock can be frozen or moved by fractions of a second); booleans are
/// INTEGER 0/1; lists and objects that the APIs return whole are JSON text.
public enum StateSchema {
    /// Every table that holds emulator state, parents before children, so inserting in
    /// this order satisfies the foreign keys (import relies on it) and deleting in reverse
    /// order does too.
    public static let tables = [
        "rosti_accounts", "rosti_companies", "rosti_memberships", "rosti_plans", "rosti_runtimes",
        "rosti_apps", "rosti_app_containers", "rosti_storages", "rosti_snapshots", "rosti_jobs",
        "rosa_users", "rosa_files",
    ]

    public static let migrator = Migrator([
        Migration(version: 1, name: "rosti and rosa state", sql: version1),
        Migration(version: 2, name: "rosti app data size", sql: version2),
    ])

    public static var version: Int { migrator.latestVersion }

    // AUTOINCREMENT keeps ids of deleted rows from coming back (a client that remembers
    // app 12 must not find a different app 12 later), as the real services' ids behave.
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

        -- Passwords in plain text, as for storages: well-known development credentials.
        CREATE TABLE rosa_users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uname TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password TEXT NOT NULL,
            token TEXT NOT NULL UNIQUE CHECK (token <> ''),
            role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'system')),
            created REAL NOT NULL
        );
        -- The bytes live in the blob store under sha1, never in this table.
        CREATE TABLE rosa_files (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sha1 TEXT NOT NULL UNIQUE CHECK (length(sha1) = 40 AND sha1 NOT GLOB '*[^0-9a-f]*'),
            file_name TEXT NOT NULL CHECK (file_name <> ''),
            size INTEGER NOT NULL CHECK (size >= 0),
            content_type TEXT,
            user_id INTEGER NOT NULL REFERENCES rosa_users(id),
            created REAL NOT NULL
        );
        CREATE INDEX rosa_files_by_user ON rosa_files (user_id);
        """

    // How many bytes of data an emulated app holds: a snapshot takes this size, a restore
    // puts the snapshot's size back, and apps-status reports it as storage usage — so a
    // restore has an effect clients can see. Existing and new apps start with 50 MiB.
    private static let version2 = """
        ALTER TABLE rosti_apps ADD COLUMN data_bytes INTEGER NOT NULL DEFAULT 52428800 CHECK (data_bytes >= 0);
        """
}
