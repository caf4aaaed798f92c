import Store

/// The schema of the emulator's database: every plug-in's tables, one migration history.
///
/// A database has one schema version (what `StateDocument` calls `schema_version`). Each
/// plug-in's `SchemaStep`s say in which version they appeared: migrating to version N runs
/// step N of every plug-in that has one, in the order the plug-ins are given, in one
/// transaction. So a plug-in that adds a table takes the next version number, and a
/// database made by an older build is brought up to date step by step. Times are REAL
/// unix seconds (UTC, fractions allowed: the emulator's clock can be frozen or moved by
/// fractions of a second); booleans are INTEGER 0/1; lists and objects that the APIs
/// return whole are JSON text.
public struct StateSchema: Sendable {
    public let plugins: [any StatePlugin]
    /// Every plug-in's tables, in plug-in order, each plug-in's parents before children.
    public let tables: [String]
    public let migrator: Migrator

    /// - Precondition: two plug-ins do not claim one table, and each plug-in numbers its
    ///   steps in increasing order (programming errors, caught by the first test that
    ///   opens a database).
    public init(plugins: [any StatePlugin]) {
        self.plugins = plugins
        tables = plugins.flatMap(\.tables)
        precondition(Set(tables).count == tables.count, "two plug-ins claim one table")
        let steps = plugins.flatMap(\.schemaSteps)
        let versions = Set(steps.map(\.version)).sorted()
        migrator = Migrator(versions.map { version in
            let stepsOfVersion = steps.filter { $0.version == version }
            let sql = stepsOfVersion.map(\.sql)
            return Migration(version: version, name: stepsOfVersion.map(\.name).joined(separator: "; ")) { conn in
                for script in sql { try conn.executeScript(script) }
            }
        })
    }

    public var version: Int { migrator.latestVersion }
}
