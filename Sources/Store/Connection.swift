import CSQLite

/// One SQLite connection with its statement cache.
///
/// Not Sendable: a connection is confined to the `Database` lock that owns it and is only
/// handed to closures running under that lock (`Database.read`, `Database.write`). Do not
/// keep it after the closure returns.
public final class Connection {
    let handle: OpaquePointer
    public let path: String
    private var statementCache: [String: Statement] = [:]

    public enum TransactionKind: String, Sendable {
        /// Takes the write lock at BEGIN, so a write transaction cannot fail half-way with
        /// SQLITE_BUSY when it upgrades from reading to writing
        /// (https://www.sqlite.org/lang_transaction.html#deferred_immediate_and_exclusive_transactions).
        case immediate = "IMMEDIATE"
        /// Takes a read snapshot at the first read; what readers want.
        case deferred = "DEFERRED"
    }

    init(path: String, readOnly: Bool) throws {
        // SQLITE_OPEN_NOMUTEX selects the multi-thread mode: "the database connection …
        // [is] used by only a single thread at a time" (https://www.sqlite.org/threadsafe.html),
        // which the Database's lock guarantees, so SQLite's own mutex would be redundant.
        let access = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var opened: OpaquePointer?
        let code = sqlite3_open_v2(path, &opened, access | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(opened)
            throw DatabaseError(code: ResultCode(rawValue: code), message: "\(message) (\(path))")
        }
        handle = opened
        self.path = path
        // Report extended codes (e.g. SQLITE_CONSTRAINT_UNIQUE rather than
        // SQLITE_CONSTRAINT) from every call (https://www.sqlite.org/c3ref/extended_result_codes.html),
        // so callers can tell a duplicate from a broken foreign key.
        sqlite3_extended_result_codes(handle, 1)
        // "Calling this routine with an argument less than or equal to zero turns off all
        // busy handlers" (https://www.sqlite.org/c3ref/busy_timeout.html): always bounded.
        sqlite3_busy_timeout(handle, StoreLimits.busyTimeoutMilliseconds)
    }

    deinit {
        // Statements first: sqlite3_close_v2 would otherwise leave a "zombie" connection
        // until the last statement is finalized (https://www.sqlite.org/c3ref/close.html).
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: Running statements

    /// Runs a statement that returns no rows (or whose rows are ignored).
    public func execute(_ sql: String, _ arguments: StatementArguments = []) throws {
        try run(sql, arguments) { statement in
            while try statement.step() {}
        }
    }

    /// Runs several `;`-separated statements without caching them (schema scripts).
    public func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            throw Self.classify(DatabaseError(
                code: ResultCode(rawValue: sqlite3_extended_errcode(handle)), message: text, sql: sql))
        }
    }

    public func fetchAll(_ sql: String, _ arguments: StatementArguments = []) throws -> [Row] {
        var rows: [Row] = []
        try forEachRow(sql, arguments) { rows.append($0) }
        return rows
    }

    public func fetchOne(_ sql: String, _ arguments: StatementArguments = []) throws -> Row? {
        try run(sql, arguments) { statement in
            guard try statement.step() else { return nil }
            let columns = statement.columnNames()
            return Row(columns: columns, values: statement.currentRowValues(count: columns.names.count))
        }
    }

    /// The first column of the first row, nil when there is no row.
    /// `let count = try conn.fetchValue(Int.self, "SELECT count(*) FROM t")`
    public func fetchValue<Value: DatabaseValueConvertible>(
        _ type: Value.Type, _ sql: String, _ arguments: StatementArguments = []
    ) throws -> Value? {
        guard let row = try fetchOne(sql, arguments) else { return nil }
        return try row[0] as Value
    }

    /// Streams rows without collecting them.
    public func forEachRow(
        _ sql: String, _ arguments: StatementArguments = [], _ body: (Row) throws -> Void
    ) throws {
        try run(sql, arguments) { statement in
            var columns: ColumnNames?
            while try statement.step() {
                let names = columns ?? statement.columnNames()
                columns = names
                try body(Row(columns: names, values: statement.currentRowValues(count: names.names.count)))
            }
        }
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changedRowCount: Int { Int(sqlite3_changes64(handle)) }

    /// How many distinct statements this connection has prepared and kept.
    public var cachedStatementCount: Int { statementCache.count }

    /// "The sqlite3_get_autocommit() interface returns non-zero or zero if the given
    /// database connection is or is not in autocommit mode" (https://www.sqlite.org/c3ref/get_autocommit.html).
    public var isInsideTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    private func run<Result>(
        _ sql: String, _ arguments: StatementArguments, _ body: (Statement) throws -> Result
    ) throws -> Result {
        let statement = try cachedStatement(sql)
        defer { statement.finishRun() }
        try statement.prepareForRun(arguments)
        return try body(statement)
    }

    private func cachedStatement(_ sql: String) throws -> Statement {
        if let cached = statementCache[sql] { return cached }
        let statement = try Statement(sql: sql, connection: handle)
        statementCache[sql] = statement
        return statement
    }

    // MARK: Transactions

    /// Runs `body` in one transaction: COMMIT when it returns, ROLLBACK when anything throws.
    public func inTransaction<Result>(
        _ kind: TransactionKind, _ body: (Connection) throws -> Result
    ) throws -> Result {
        try execute("BEGIN \(kind.rawValue) TRANSACTION")
        do {
            let result = try body(self)
            try execute("COMMIT TRANSACTION")
            return result
        } catch {
            // Some errors (SQLITE_FULL, SQLITE_IOERR, …) already rolled the transaction back
            // (https://www.sqlite.org/lang_transaction.html#response_to_errors_within_a_transaction);
            // a second ROLLBACK would fail and hide the real error.
            if isInsideTransaction { try? execute("ROLLBACK TRANSACTION") }
            throw error
        }
    }

    // MARK: Copying whole databases

    /// Replaces this connection's whole main database with the contents of `source`, in
    /// one step of the online backup API (https://www.sqlite.org/backup.html). Readers on
    /// other connections keep their snapshot and see the new contents atomically.
    public func replaceContents(with source: Connection) throws {
        guard let backup = sqlite3_backup_init(handle, "main", source.handle, "main") else {
            throw Self.error(from: handle, code: sqlite3_extended_errcode(handle), sql: nil)
        }
        // "If N is negative, all remaining source pages are copied"
        // (https://www.sqlite.org/c3ref/backup_finish.html#sqlite3backupstep).
        let stepCode = sqlite3_backup_step(backup, StoreLimits.backupPagesPerStep)
        let finishCode = sqlite3_backup_finish(backup)
        guard stepCode == SQLITE_DONE else {
            throw DatabaseError(
                code: ResultCode(rawValue: stepCode),
                message: "backup step failed: \(String(cString: sqlite3_errstr(stepCode)))")
        }
        guard finishCode == SQLITE_OK else {
            throw Self.error(from: handle, code: finishCode, sql: nil)
        }
        // The copied schema may differ from what cached statements were prepared against;
        // they would re-prepare anyway, but dropping them frees stale plans at once.
        statementCache.removeAll()
    }

    // MARK: Errors

    static func error(from connection: OpaquePointer, code: CInt, sql: String?) -> any Error {
        let extended = sqlite3_extended_errcode(connection)
        // Prefer the connection's extended code when it refines the one returned.
        let resolved = (extended & 0xFF) == (code & 0xFF) ? extended : code
        return classify(DatabaseError(
            code: ResultCode(rawValue: resolved),
            message: String(cString: sqlite3_errmsg(connection)),
            sql: sql))
    }

    static func classify(_ error: DatabaseError) -> any Error {
        ConstraintViolation(error) ?? error
    }
}
