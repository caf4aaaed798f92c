import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// MariaDB as Rostra runs it: one server whose only superusers are `root@localhost` and
/// Rostra's own user, both by unix_socket authentication (no password exists anywhere);
/// storages are `name@'%'` users with mysql_native_password, each granted its one database.
struct MariaDBDialect: EngineDialect {
    let installation: EngineInstallation

    var stopSignal: Int32 { SIGTERM }  // kills the connections and shuts down cleanly

    func holdsData(_ path: String) -> Bool { access(path + "/mysql/global_priv.MAI", F_OK) == 0 }

    func commandsMakingData(at path: String, environment: [String: String]) -> [(Command, [UInt8])] {
        // --no-defaults first, or /etc/mysql/my.cnf applies. --auth-root-socket-user: the
        // superuser besides root, Rostra's own user when it is not root.
        let install = Command(installation.programs.clusterMaker, [
            "--no-defaults", "--datadir=\(path)", "--skip-test-db", "--auth-root-authentication-method=socket",
            "--auth-root-socket-user=\(installation.administrator.name)", "--skip-name-resolve",
            "--innodb-log-file-size=8M", "--innodb-buffer-pool-size=16M", "--innodb-use-native-aio=0",
            "--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
        ], environment: environment)
        return [(install, [])]
    }

    func configuration(_ layout: EngineLayout) -> [(path: String, text: String)] {
        [(layout.configuration, "[mariadbd]\ndatadir = \(layout.data)\npid-file = \(layout.pidFile)\n" + Self.settings)]
    }

    func serverCommand(_ layout: EngineLayout, port: Int) -> Command {
        // --defaults-file must be the first argument; never --user (its setuid would clear
        // the death signal: Rostra switches the user itself before exec).
        Command(installation.programs.server, [
            "--defaults-file=\(layout.configuration)", "--port=\(port)", "--socket=\(layout.mariadbSocket)",
        ])
    }

    func adminCommand(_ layout: EngineLayout, port: Int, database: String?) -> Command {
        Command(installation.programs.client, [
            "--no-defaults", "-S", layout.mariadbSocket, "-u", installation.administrator.name, "-N", "-B",
        ] + (database.map { [$0] } ?? []))
    }

    /// Without the dump's date, so that two dumps of unchanged data are the same bytes.
    func dumpCommand(_ layout: EngineLayout, port: Int, database: String) -> Command {
        Command(installation.programs.dump, [
            "--no-defaults", "-S", layout.mariadbSocket, "-u", installation.administrator.name, "--single-transaction",
            "--routines", "--triggers", "--events", "--skip-add-locks", "--hex-blob", "--skip-dump-date", database,
        ])
    }

    var listingSQL: String {
        """
        SELECT 'database', SCHEMA_NAME, SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_COMMENT LIKE 'rostra %'
        UNION ALL
        SELECT 'account', User, '' FROM mysql.global_priv WHERE Host = '%';

        """
    }

    /// In `GRANT … ON db.*` a `_` or `%` is a wildcard: unescaped, `blog_1` would also
    /// cover `blogX1` (measured). Escaped, the grant covers exactly one database.
    private func grantTarget(_ name: String) -> String { "`" + name.replacingOccurrences(of: "_", with: "\\_") + "`" }

    func createSQL(name: String, credential: StorageCredential, mark: StorageMark) -> String {
        let identified: String
        switch credential {
        case .password(let password): identified = "IDENTIFIED BY \(SQLText.mariadbLiteral(password))"
        case .verifier(let verifier):
            // "<plugin> <authentication string>", as `verifierSQL` reads it.
            let parts = verifier.split(separator: " ", maxSplits: 1).map(String.init)
            identified = parts.count == 2
                ? "IDENTIFIED VIA \(parts[0]) USING \(SQLText.mariadbLiteral(parts[1]))"
                : "IDENTIFIED BY PASSWORD \(SQLText.mariadbLiteral(verifier))"
        }
        let comment = SQLText.mariadbLiteral(mark.description)
        return """
            CREATE USER IF NOT EXISTS '\(name)'@'%';
            ALTER USER '\(name)'@'%' \(identified);
            CREATE DATABASE IF NOT EXISTS `\(name)`;
            ALTER DATABASE `\(name)` COMMENT \(comment);
            GRANT ALL PRIVILEGES ON \(grantTarget(name)).* TO '\(name)'@'%';

            """
    }

    func passwordSQL(name: String, password: String) -> String {
        "ALTER USER '\(name)'@'%' IDENTIFIED BY \(SQLText.mariadbLiteral(password));\n"
    }

    /// The user first, so nobody logs in again; then its sessions; then the data.
    func dropSQL(name: String) -> String {
        "DROP USER IF EXISTS '\(name)'@'%';\nKILL CONNECTION USER '\(name)';\nDROP DATABASE IF EXISTS `\(name)`;\n"
    }

    func verifierSQL(name: String) -> String {
        """
        SELECT concat(json_value(Priv, '$.plugin'), ' ', json_value(Priv, '$.authentication_string'))
          FROM mysql.global_priv WHERE User = \(SQLText.mariadbLiteral(name)) AND Host = '%';

        """
    }

    /// A dump names its views', triggers' and routines' definer (`old`@`%`): loaded under
    /// another name the view would fail (ERROR 1356), so each definer becomes `name`.
    func restoreScript(_ sql: String, into name: String) -> String {
        guard let definer = try? NSRegularExpression(pattern: "DEFINER=`[^`]*`@`[^`]*`") else { return sql }
        let range = NSRange(sql.startIndex..., in: sql)
        return definer.stringByReplacingMatches(in: sql, range: range, withTemplate: "DEFINER=`\(name)`@`%`")
    }

    /// Settings written at every start (`--defaults-file` skips Debian's own, whose
    /// character set would otherwise be latin1). A small buffer pool; io_uring and native
    /// AIO off because they need locked memory containers often lack; a 1 MB temporary
    /// tablespace instead of 12 MB written at every start.
    static let settings = """
        bind-address = 127.0.0.1
        skip-name-resolve
        character-set-server = utf8mb4
        collation-server = utf8mb4_general_ci
        performance-schema = OFF
        innodb-buffer-pool-size = 16M
        innodb-log-file-size = 8M
        innodb-log-buffer-size = 2M
        innodb-flush-log-at-trx-commit = 2
        innodb-use-native-aio = 0
        innodb-temp-data-file-path = ibtmp1:1M:autoextend
        innodb-buffer-pool-dump-at-shutdown = 0
        innodb-buffer-pool-load-at-startup = 0
        key-buffer-size = 1M
        aria-pagecache-buffer-size = 2M
        max-connections = 151
        table-open-cache = 200
        table-definition-cache = 400
        thread-cache-size = 4
        tmp-table-size = 4M
        max-heap-table-size = 4M
        query-cache-size = 0
        query-cache-type = 0
        local-infile = 0
        symbolic-links = 0

        """
}
