/// The database engines behind Rosti storages, by the names the API gives them.
public enum DatabaseEngine: String, Sendable, CaseIterable, Comparable {
    case mariadb, pgsql

    /// The product's name, for people.
    public var productName: String {
        switch self {
        case .pgsql: return "PostgreSQL"
        case .mariadb: return "MariaDB"
        }
    }

    /// The Debian package that brings the server, its clients and its system user.
    public var package: String {
        switch self {
        case .pgsql: return "postgresql"
        case .mariadb: return "mariadb-server"
        }
    }

    /// What a person runs to install it.
    public var installCommand: String { "apt-get install -y \(package)" }

    /// The system user the package makes, which the server runs as when Rostra is root
    /// (PostgreSQL's initdb refuses root).
    var packageUser: String {
        switch self {
        case .pgsql: return "postgres"
        case .mariadb: return "mysql"
        }
    }

    /// The port the real platform's servers use, for storages whose engine is not running
    /// here (the reference's `store5.rosti.cz:3306`, `store3.rosti.cz:5432`).
    public var referencePort: Int {
        switch self {
        case .pgsql: return 5432
        case .mariadb: return 3306
        }
    }

    public static func < (lhs: DatabaseEngine, rhs: DatabaseEngine) -> Bool { lhs.rawValue < rhs.rawValue }
}
