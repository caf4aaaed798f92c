import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// PostgreSQL as Rostra runs it: one cluster made by initdb (or copied from the template),
/// Rostra's superuser `rostra` reachable only over the private socket by peer
/// authentication, storages over TCP with scram-sha-256 passwords.
struct PostgreSQLDialect: EngineDialect {
    let installation: EngineInstallation
    static let superuser = "rostra"

    var stopSignal: Int32 { SIGINT }  // fast shutdown: SIGTERM waits for every idle client, for ever

    func holdsData(_ path: String) -> Bool { access(path + "/PG_VERSION", F_OK) == 0 }

    func commandsMakingData(at path: String, environment: [String: String]) -> [(Command, [UInt8])] {
        let bin = (installation.programs.server as NSString).deletingLastPathComponent
        // --wal-segsize=1: a 1 MB first WAL segment instead of 16 (a 28 MB cluster, not 39);
        // --no-sync: the template is synced once, when it goes into the cache.
        let initdb = Command(bin + "/initdb", [
            "-D", path, "-U", Self.superuser, "-E", "UTF8", "--locale=C.UTF-8", "--auth-local=peer",
            "--auth-host=scram-sha-256", "--wal-segsize=1", "--no-sync", "--no-instructions",
        ], environment: environment)
        // Single-user mode (no server, no port): the two databases that are no storage's
        // are closed to everyone but the superuser, so a storage's user reaches only its own.
        let closing = Command(installation.programs.server, [
            "--single", "-D", path, "-c", "fsync=off", "-c", "wal_level=minimal", "-c", "max_wal_senders=0", "postgres",
        ], environment: environment)
        let revoke = """
            REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
            REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;

            """
        return [(initdb, []), (closing, Array(revoke.utf8))]
    }

    func configuration(_ layout: EngineLayout) -> [(path: String, text: String)] {
        let users = Set(["root", installation.account.name, installation.administrator.name]).sorted()
        return [
            (layout.directory + "/postgresql.conf", Self.settings),
            (layout.directory + "/pg_hba.conf", Self.clientAuthentication),
            (layout.directory + "/pg_ident.conf", users.map { "rostra \($0) \(Self.superuser)\n" }.joined()),
        ]
    }

    func serverCommand(_ layout: EngineLayout, port: Int) -> Command {
        Command(installation.programs.server, [
            "-D", layout.data, "-p", "\(port)", "-k", layout.socketDirectory,
            "-c", "config_file=\(layout.directory)/postgresql.conf", "-c", "hba_file=\(layout.directory)/pg_hba.conf",
            "-c", "ident_file=\(layout.directory)/pg_ident.conf",
        ])
    }

    func adminCommand(_ layout: EngineLayout, port: Int, database: String?) -> Command {
        // -X: no ~/.psqlrc; -A -t with tabs: rows as plain lines; ON_ERROR_STOP: exit 3 at the
        // first error instead of going on.
        Command(installation.programs.client, [
            "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", layout.socketDirectory, "-p", "\(port)",
            "-U", Self.superuser, "-d", database ?? "postgres",
        ])
    }

    func dumpCommand(_ layout: EngineLayout, port: Int, database: String) -> Command {
        // Plain SQL naming no role: it loads under any name, run as the storage's own role.
        Command(installation.programs.dump, [
            "-h", layout.socketDirectory, "-p", "\(port)", "-U", Self.superuser, "-Fp", "--no-owner", "--no-acl", "-d", database,
        ])
    }

    var listingSQL: String {
        """
        SELECT 'database', datname, shobj_description(oid, 'pg_database') FROM pg_database
          WHERE shobj_description(oid, 'pg_database') LIKE 'rostra %'
        UNION ALL
        SELECT 'account', rolname, coalesce(shobj_description(oid, 'pg_authid'), '') FROM pg_roles
          WHERE shobj_description(oid, 'pg_authid') LIKE 'rostra %';

        """
    }

    func createSQL(name: String, credential: StorageCredential, mark: StorageMark) -> String {
        let secret: String
        switch credential {
        case .password(let password): secret = SQLText.standardLiteral(password)
        // PostgreSQL stores a value already in its verifier format (SCRAM-SHA-256$…) as is.
        case .verifier(let verifier): secret = SQLText.standardLiteral(verifier)
        }
        let literalName = SQLText.standardLiteral(name)
        let comment = SQLText.standardLiteral(mark.description)
        // Each step works whether or not a half-finished earlier attempt made the object:
        // \gexec runs the statement the query chose.
        return """
            SELECT format('%s ROLE %I LOGIN PASSWORD %L', CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = \(literalName)) THEN 'ALTER' ELSE 'CREATE' END, \(literalName), \(secret)) \\gexec
            COMMENT ON ROLE "\(name)" IS \(comment);
            SELECT format('CREATE DATABASE %I OWNER %I', \(literalName), \(literalName)) WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = \(literalName)) \\gexec
            ALTER DATABASE "\(name)" OWNER TO "\(name)";
            COMMENT ON DATABASE "\(name)" IS \(comment);
            REVOKE ALL ON DATABASE "\(name)" FROM PUBLIC;

            """
    }

    func passwordSQL(name: String, password: String) -> String {
        "ALTER ROLE \"\(name)\" PASSWORD \(SQLText.standardLiteral(password));\n"
    }

    /// Ends the database's sessions (WITH (FORCE)), then the role. A role another storage's
    /// owner granted something cannot be dropped until that is undone in that database:
    /// `EngineSession.drop` does that when this fails.
    func dropSQL(name: String) -> String {
        "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE);\nDROP ROLE IF EXISTS \"\(name)\";\n"
    }

    func verifierSQL(name: String) -> String {
        "SELECT coalesce(rolpassword, '') FROM pg_authid WHERE rolname = \(SQLText.standardLiteral(name));\n"
    }

    /// The databases where `name` owns objects or holds grants.
    func dependentDatabasesSQL(name: String) -> String {
        """
        SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
          JOIN pg_roles r ON r.oid = s.refobjid WHERE r.rolname = \(SQLText.standardLiteral(name));

        """
    }

    func releaseSQL(name: String) -> String {
        "REASSIGN OWNED BY \"\(name)\" TO \(Self.superuser);\nDROP OWNED BY \"\(name)\";\n"
    }

    /// A plain dump names no role: run as the storage's role, every object it makes is
    /// that role's. One transaction, so a failing dump leaves an empty database.
    func restoreScript(_ sql: String, into name: String) -> String {
        "BEGIN;\nSET ROLE \"\(name)\";\n" + sql + "\nCOMMIT;\n"
    }

    /// The server's settings (port and socket folder come on the command line). For speed
    /// where tests spend it, the non-durable settings of PostgreSQL's manual (14.5): a crash
    /// of postgres or of Rostra loses no committed row (synchronous_commit stays on; off was
    /// measured to lose the last commits on kill -9); only an OS crash can. With fsync on,
    /// each DROP DATABASE (a forced checkpoint) took 0.5–1 s.
    static let settings = """
        # Written by Rostra at every start; port and socket folder come on the command line.
        listen_addresses = '127.0.0.1'
        max_connections = 100
        superuser_reserved_connections = 3
        shared_buffers = 16MB
        dynamic_shared_memory_type = posix
        max_wal_size = 64MB
        # At least two segments of any cluster (16 MB segments in clusters not made by Rostra).
        min_wal_size = 32MB
        fsync = off
        full_page_writes = off
        synchronous_commit = on
        wal_level = minimal
        max_wal_senders = 0
        max_replication_slots = 0
        max_logical_replication_workers = 0
        max_worker_processes = 2
        max_parallel_workers = 0
        autovacuum_max_workers = 1
        huge_pages = off
        logging_collector = off
        log_destination = 'stderr'
        # A failing CREATE or ALTER ROLE would otherwise be logged with its PASSWORD literal.
        log_min_error_statement = panic
        password_encryption = 'scram-sha-256'
        timezone = 'UTC'
        log_timezone = 'UTC'
        datestyle = 'iso, mdy'
        lc_messages = 'C.UTF-8'
        lc_monetary = 'C.UTF-8'
        lc_numeric = 'C.UTF-8'
        lc_time = 'C.UTF-8'
        default_text_search_config = 'pg_catalog.english'

        """

    /// Rostra's superuser only over the private socket, by peer authentication through the
    /// map; storages only over TCP with their password. The server listens on 127.0.0.1
    /// only; any source address is accepted because app containers may come through a
    /// user-mode network (pasta, slirp4netns) whose source is not known in advance.
    static let clientAuthentication = """
        local   all   rostra                 peer map=rostra
        local   all   all                    reject
        host    all   rostra   0.0.0.0/0     reject
        host    all   rostra   ::/0          reject
        host    all   all      0.0.0.0/0     scram-sha-256
        host    all   all      ::/0          scram-sha-256

        """
}
