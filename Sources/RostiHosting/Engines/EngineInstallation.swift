import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One engine's programs on this machine, as Debian installs them, and who runs them.
/// Found by file tests and the user database only: no package manager, no engine run, so
/// asking costs microseconds at start-up.
public struct EngineInstallation: Sendable {
    public let engine: DatabaseEngine
    /// The server, the cluster maker and the clients, by role.
    let programs: Programs
    /// The account the server, its cluster maker and its files belong to: the package's
    /// system user when Rostra is root, else Rostra's own user.
    let account: OSAccount
    /// Rostra's own user: who administers the engine over its private socket.
    let administrator: OSAccount

    struct Programs: Sendable {
        /// `postgres` / `mariadbd`.
        let server: String
        /// `initdb` / `mariadb-install-db`.
        let clusterMaker: String
        /// `psql` / `mariadb`.
        let client: String
        /// `pg_dump` / `mariadb-dump`.
        let dump: String
        /// PostgreSQL's major version ("15"), MariaDB's none until asked (`version()`).
        let majorVersion: String?
    }

    /// Whether Rostra runs the engine under another user than its own (it is root).
    var switchesUser: Bool { account.uid != administrator.uid }

    /// What a check of the machine found for `engine`.
    public enum Finding: Sendable {
        case available(EngineInstallation)
        /// `missing` names what is not there (programs, the system user).
        case missing(engine: DatabaseEngine, missing: [String])
    }

    /// Looks for `engine` in Debian's places. PostgreSQL: the newest
    /// `/usr/lib/postgresql/<major>/bin` holding every program (never `PATH`: Debian's
    /// `/usr/bin/psql` is a Perl wrapper that costs 35 ms a call, and `initdb` and `postgres`
    /// are not on it). MariaDB: its fixed paths.
    public static func find(_ engine: DatabaseEngine, root: String = "") -> Finding {
        guard let administrator = OSAccount.current() else {
            return .missing(engine: engine, missing: ["a user database entry for uid \(getuid())"])
        }
        var account = administrator
        var missing: [String] = []
        let programs: Programs?
        switch engine {
        case .pgsql:
            programs = findPostgreSQL(root: root, missing: &missing)
        case .mariadb:
            let paths = ["/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/bin/mariadb", "/usr/bin/mariadb-dump",
                         "/usr/bin/my_print_defaults"]
            missing = paths.filter { !isExecutable(root + $0) }.map { ($0 as NSString).lastPathComponent }
            // mariadb-install-db reads the system tables' SQL from here.
            if !FileManager.default.isReadableFile(atPath: root + "/usr/share/mysql/mysql_system_tables.sql") {
                missing.append("/usr/share/mysql/mysql_system_tables.sql")
            }
            programs = missing.isEmpty
                ? Programs(server: root + paths[0], clusterMaker: root + paths[1], client: root + paths[2], dump: root + paths[3], majorVersion: nil)
                : nil
        }
        if administrator.uid == 0 {
            if let user = OSAccount.named(engine.packageUser) {
                account = user
            } else {
                missing.append("the system user \(engine.packageUser)")
            }
        }
        guard let programs, missing.isEmpty else { return .missing(engine: engine, missing: missing) }
        return .available(EngineInstallation(engine: engine, programs: programs, account: account, administrator: administrator))
    }

    private static func findPostgreSQL(root: String, missing: inout [String]) -> Programs? {
        let base = root + "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .filter { Int($0) != nil }.sorted { Int($0)! > Int($1)! }
        let tools = ["initdb", "postgres", "psql", "pg_dump"]
        missing = tools
        for major in majors {
            let bin = "\(base)/\(major)/bin/"
            let absent = tools.filter { !isExecutable(bin + $0) }
            if absent.isEmpty {
                missing = []
                return Programs(server: bin + "postgres", clusterMaker: bin + "initdb", client: bin + "psql", dump: bin + "pg_dump",
                                majorVersion: major)
            }
            if absent.count < missing.count { missing = absent }
        }
        return nil
    }

    private static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// One line for people: where it is.
    public var detail: String {
        switch engine {
        case .pgsql: return "PostgreSQL \(programs.majorVersion ?? "?") (\((programs.server as NSString).deletingLastPathComponent))"
        case .mariadb: return "MariaDB (\(programs.server))"
        }
    }
}

/// A user of this machine, from the user database.
struct OSAccount: Sendable, Equatable {
    let name: String
    let uid: uid_t
    let gid: gid_t
    let home: String

    static func current() -> OSAccount? { lookUp { getpwuid_r(getuid(), &$0, $1, $2, &$3) } }

    static func named(_ name: String) -> OSAccount? { lookUp { getpwnam_r(name, &$0, $1, $2, &$3) } }

    private static func lookUp(
        _ call: (inout passwd, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<passwd>?) -> Int32
    ) -> OSAccount? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = buffer.withUnsafeMutableBufferPointer { call(&entry, $0.baseAddress!, $0.count, &result) }
        guard status == 0, result != nil else { return nil }
        return OSAccount(name: String(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid,
                         home: entry.pw_dir.map { String(cString: $0) } ?? "/")
    }
}
