import CSQLite

/// A prepared statement, owned by one `Connection` and cached there by its SQL text.
///
/// Not Sendable: it is only used by the connection that prepared it, inside that
/// connection's lock.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    private let connection: OpaquePointer

    init(sql: String, connection: OpaquePointer) throws {
        var prepared: OpaquePointer?
        // SQLITE_PREPARE_PERSISTENT: "a hint to the query planner that the prepared
        // statement will be retained for a long time and probably reused many times"
        // (https://www.sqlite.org/c3ref/c_prepare_normalize.html) — true of cached ones.
        let code = sqlite3_prepare_v3(
            connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard code == SQLITE_OK, let prepared else {
            sqlite3_finalize(prepared)
            throw Connection.error(from: connection, code: code, sql: sql)
        }
        self.handle = prepared
        self.sql = sql
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Clears the previous run and binds `arguments` to the positional parameters.
    func prepareForRun(_ arguments: StatementArguments) throws {
        // "sqlite3_reset() … does not change the values of any bindings"
        // (https://www.sqlite.org/c3ref/reset.html): clear them so a shorter argument
        // list cannot silently reuse the previous caller's values.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard arguments.count == expected else {
            throw DatabaseError(
                code: .range,
                message: "statement expects \(expected) arguments, got \(arguments.count)",
                sql: sql)
        }
        for (offset, argument) in arguments.enumerated() {
            let value = argument?.databaseValue ?? .null
            let code = bind(value, at: CInt(offset + 1))
            guard code == SQLITE_OK else {
                throw Connection.error(from: connection, code: code, sql: sql)
            }
        }
    }

    private func bind(_ value: DatabaseValue, at index: CInt) -> CInt {
        switch value {
        case .null:
            return sqlite3_bind_null(handle, index)
        case .integer(let int):
            return sqlite3_bind_int64(handle, index, int)
        case .real(let double):
            return sqlite3_bind_double(handle, index, double)
        case .text(var text):
            // The exact UTF-8 bytes with their length, so an embedded NUL cannot cut the
            // string short. An empty buffer may have no base address, and "if the third
            // parameter to sqlite3_bind_text() … is a NULL pointer then the fourth
            // parameter is ignored and the end result is the same as sqlite3_bind_null()"
            // (https://www.sqlite.org/c3ref/bind_blob.html) — so bind "" explicitly.
            return text.withUTF8 { bytes in
                guard let base = bytes.baseAddress, !bytes.isEmpty else {
                    return sqlite3_bind_text(handle, index, "", 0, rostra_sqlite_transient())
                }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite3_bind_text(
                        handle, index, $0, CInt(bytes.count), rostra_sqlite_transient())
                }
            }
        case .blob(let bytes):
            guard !bytes.isEmpty else { return sqlite3_bind_zeroblob(handle, index, 0) }
            return bytes.withUnsafeBytes {
                sqlite3_bind_blob(
                    handle, index, $0.baseAddress, CInt($0.count), rostra_sqlite_transient())
            }
        }
    }

    /// Advances one row; true while a row is available.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw Connection.error(from: connection, code: code, sql: sql)
        }
    }

    /// Releases the statement's hold on the database. An un-reset SELECT keeps its read
    /// transaction open ("an implicit transaction … ends when the last active statement
    /// finishes", https://www.sqlite.org/lang_transaction.html), which would pin the WAL.
    func finishRun() { sqlite3_reset(handle) }

    private var cachedColumnNames: ColumnNames?

    /// Read once per statement. Only a schema change can re-prepare a statement with other
    /// columns: a changed count is checked here, and the emulator changes its schema only
    /// by migrations at open, before any statement is cached.
    func columnNames() -> ColumnNames {
        let count = Int(sqlite3_column_count(handle))
        if let cachedColumnNames, cachedColumnNames.names.count == count { return cachedColumnNames }
        let names = ColumnNames((0..<CInt(count)).map { String(cString: sqlite3_column_name(handle, $0)) })
        cachedColumnNames = names
        return names
    }

    func currentRowValues(count: Int) -> [DatabaseValue] {
        (0..<CInt(count)).map(columnValue)
    }

    private func columnValue(at index: CInt) -> DatabaseValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            // Fetch the pointer before the length: "call sqlite3_column_text() first …
            // and then sqlite3_column_bytes()" (https://www.sqlite.org/c3ref/column_blob.html).
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            let length = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            guard let blob = sqlite3_column_blob(handle, index) else { return .blob([]) }
            let length = Int(sqlite3_column_bytes(handle, index))
            return .blob([UInt8](UnsafeRawBufferPointer(start: blob, count: length)))
        default:
            return .null
        }
    }
}
