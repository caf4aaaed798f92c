/// One step of a schema's history. Versions are positive and strictly increasing.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let apply: @Sendable (Connection) throws -> Void

    public init(version: Int, name: String, apply: @escaping @Sendable (Connection) throws -> Void) {
        self.version = version
        self.name = name
        self.apply = apply
    }

    /// A migration that runs a script of SQL statements.
    public init(version: Int, name: String, sql: String) {
        self.init(version: version, name: name) { try $0.executeScript(sql) }
    }
}

/// Brings a database's schema up to date, one migration per transaction, and records
/// each applied version in a table of its own.
public struct Migrator: Sendable {
    public static let versionTable = "store_schema_migrations"

    public let migrations: [Migration]

    /// - Precondition: versions are positive and strictly increasing (a programming error
    ///   otherwise, caught by the first test that opens a database).
    public init(_ migrations: [Migration]) {
        precondition(
            zip(migrations, migrations.dropFirst()).allSatisfy { $0.version < $1.version }
                && (migrations.first?.version ?? 1) > 0,
            "migration versions must be positive and strictly increasing")
        self.migrations = migrations
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The highest applied version; 0 for a database this migrator never touched. Reads only.
    public func appliedVersion(in connection: Connection) throws -> Int {
        let hasTable = try connection.fetchValue(
            Int.self, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
            [Self.versionTable]) ?? 0
        guard hasTable > 0 else { return 0 }
        return try connection.fetchValue(Int?.self, "SELECT max(version) FROM \(Self.versionTable)")?.flatMap { $0 } ?? 0
    }

    /// Applies every migration newer than the database's version, each in its own
    /// IMMEDIATE transaction, so a failure keeps all earlier steps and none of its own.
    public func migrate(_ connection: Connection) throws {
        let applied = try appliedVersion(in: connection)
        guard applied <= latestVersion else {
            throw StoreOpeningError.schemaNewerThanCode(
                path: connection.path, found: applied, known: latestVersion)
        }
        for migration in migrations where migration.version > applied {
            try connection.inTransaction(.immediate) { connection in
                try connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS \(Self.versionTable) (
                        version INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0)
                    )
                    """)
                try migration.apply(connection)
                try connection.execute(
                    "INSERT INTO \(Self.versionTable) (version, name) VALUES (?, ?)",
                    [migration.version, migration.name])
            }
        }
    }
}
