import COpenSSL
import Foundation
import Processes

/// The databases and accounts Rostra made in one engine.
public struct EngineObjects: Sendable, Equatable {
    /// Each database with its mark.
    public var databases: [String: StorageMark]
    /// Accounts (PostgreSQL roles, MariaDB `'…'@'%'` users) that may belong to storages.
    public var accounts: Set<String>
}

/// One storage's data as an export carries it: its SQL, and the engine's hash of its
/// password (a user may have changed the password inside the database: the engine, not
/// the state's row, knows it).
public struct StorageDump: Sendable, Equatable, Codable {
    public var verifier: String?
    public var sql: String

    public init(verifier: String?, sql: String) {
        self.verifier = verifier
        self.sql = sql
    }
}

/// Rostra's administration of a running engine: the engine's own client, logged in over
/// the private socket as Rostra's administrator (peer or unix_socket authentication, no
/// password anywhere), one run per call with the SQL on stdin. Used inside an engine's
/// jobs (`EngineServer.perform`), one at a time.
public struct EngineSession: Sendable {
    public let engine: DatabaseEngine
    /// The port storages log in on (127.0.0.1).
    public let port: Int
    let dialect: any EngineDialect
    let layout: EngineLayout
    let context: EngineContext

    /// Runs `sql` in `database` (the administrator's own when nil) and returns the rows,
    /// tab-separated, one a line.
    @discardableResult
    func run(_ sql: String, in database: String? = nil, timeout: Duration? = nil) throws -> String {
        let command = dialect.adminCommand(layout, port: port, database: database)
        let run = try ProgramRun.run(
            context.prepared(command), input: Array(sql.utf8), watcher: try context.watcher(),
            timeout: timeout ?? context.limits.adminCall)
        guard run.termination.isSuccess else {
            throw EngineError.failed("\((command.executable as NSString).lastPathComponent) (\(run.termination))", run.errorText)
        }
        return run.outputText
    }

    /// Every database and account Rostra made here.
    public func objects() throws -> EngineObjects {
        var found = EngineObjects(databases: [:], accounts: [])
        for line in try run(dialect.listingSQL).split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2 else { continue }
            if fields[0] == "database", fields.count == 3, let mark = StorageMark(comment: fields[2]) {
                found.databases[fields[1]] = mark
            } else if fields[0] == "account" {
                found.accounts.insert(fields[1])
            }
        }
        return found
    }

    /// Makes the account `name` with `credential` and its database `name`, marked, reachable
    /// by that account alone. What exists already (a half-finished earlier attempt, a
    /// storage made again) is taken over: the credential and mark become these.
    public func create(name: String, credential: StorageCredential, mark: StorageMark) throws {
        try Self.check(name)
        try run(dialect.createSQL(name: name, credential: credential, mark: mark))
    }

    /// Sets the account's password; new logins need it at once, open sessions go on.
    public func setPassword(name: String, password: String) throws {
        try Self.check(name)
        try run(dialect.passwordSQL(name: name, password: password))
    }

    /// Drops the database (ending its sessions) and the account; nothing if absent.
    public func drop(name: String) throws {
        try Self.check(name)
        do {
            try run(dialect.dropSQL(name: name))
        } catch EngineError.failed(let command, let message) where engine == .pgsql && message.contains("cannot be dropped") {
            // Another storage's owner granted this role something, or it owns objects
            // there: undo that in each such database, then drop the role.
            guard let postgres = dialect as? PostgreSQLDialect else { throw EngineError.failed(command, message) }
            for database in try run(postgres.dependentDatabasesSQL(name: name)).split(separator: "\n") {
                try run(postgres.releaseSQL(name: name), in: String(database))
            }
            try run(dialect.dropSQL(name: name))
        }
    }

    /// The database's SQL and the account's password hash.
    public func dump(name: String) throws -> StorageDump {
        try Self.check(name)
        var command = dialect.dumpCommand(layout, port: port, database: name)
        if engine == .pgsql { command.arguments = try context.restrictKeyArguments(pgDump: command.executable) + command.arguments }
        let run = try ProgramRun.run(context.prepared(command), watcher: try context.watcher(), timeout: context.limits.dumpCall)
        guard run.termination.isSuccess else {
            throw EngineError.failed("\((command.executable as NSString).lastPathComponent) \(name) (\(run.termination))", run.errorText)
        }
        let verifier = try self.run(dialect.verifierSQL(name: name)).trimmingCharacters(in: .whitespacesAndNewlines)
        let sql = engine == .pgsql ? Self.rekeyed(run.outputText, processKey: context.dumpRestrictKey) : run.outputText
        return StorageDump(verifier: verifier.isEmpty ? nil : verifier, sql: sql)
    }

    /// The dump fenced with a key of its own contents instead of the process's: two
    /// exports of unchanged data, by two processes, are then the same bytes. Data a
    /// storage's user wrote still cannot hold the key, which is the SHA-256 of the dump
    /// with the key left out (data that named it would change it).
    static func rekeyed(_ sql: String, processKey: String) -> String {
        guard sql.contains(processKey) else { return sql }
        let unkeyed = Array(sql.replacingOccurrences(of: processKey, with: "").utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = unkeyed.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        let contentKey = digest.map { String(format: "%02x", $0) }.joined()
        return sql.replacingOccurrences(of: processKey, with: contentKey)
    }

    /// Replaces whatever `name` holds with `dump` (taken from any name, any tenant): the
    /// account gets the dump's password hash (else `password`), the database the dump's
    /// contents, in one transaction where the engine allows.
    public func restore(name: String, dump: StorageDump, password: String, mark: StorageMark) throws {
        try drop(name: name)
        try create(name: name, credential: dump.verifier.map { .verifier($0) } ?? .password(password), mark: mark)
        guard !dump.sql.isEmpty else { return }
        try run(dialect.restoreScript(dump.sql, into: name), in: name, timeout: context.limits.dumpCall)
    }

    static func check(_ name: String) throws {
        guard SQLText.isValidName(name) else { throw EngineError.invalidName(name) }
    }
}
