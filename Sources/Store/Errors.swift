import Foundation

/// An error reported by SQLite: the extended result code, SQLite's own message and the
/// statement that failed, so a log line says what happened without a debugger.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    public let code: ResultCode
    public let message: String
    public let sql: String?

    public init(code: ResultCode, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " — while executing `\(sql)`" }
        return text
    }
}

/// A statement broke a declared constraint. Thrown instead of a bare `DatabaseError` so
/// callers can `catch let violation as ConstraintViolation where violation.kind == .unique`
/// and answer "already exists" rather than "internal error".
public struct ConstraintViolation: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A UNIQUE or PRIMARY KEY constraint: the value already exists.
        case unique
        case foreignKey
        case check
        case notNull
        /// Any other constraint (a trigger's RAISE, a rowid or datatype violation).
        case other
    }

    public let kind: Kind
    public let underlying: DatabaseError

    /// The `table.column` names SQLite reports for unique and not-null failures, e.g.
    /// `["accounts.email"]` from "UNIQUE constraint failed: accounts.email"; empty for the
    /// other kinds (SQLite names no column for a foreign key, and a CHECK's message is its
    /// expression, not a column list).
    public var columns: [String] {
        guard kind == .unique || kind == .notNull,
            let colon = underlying.message.range(of: "failed: ")
        else { return [] }
        return underlying.message[colon.upperBound...]
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    public var description: String { "\(kind) constraint violation: \(underlying)" }

    /// Classifies a failure by its extended code; nil when it is not a constraint failure.
    init?(_ error: DatabaseError) {
        guard error.code.primary == .constraint else { return nil }
        switch error.code {
        case .constraintUnique, .constraintPrimaryKey: kind = .unique
        case .constraintForeignKey: kind = .foreignKey
        case .constraintCheck: kind = .check
        case .constraintNotNull: kind = .notNull
        default: kind = .other
        }
        underlying = error
    }
}

/// A column held a value that cannot become the Swift type asked for (NULL into a
/// non-optional, text into an integer, …).
public struct RowDecodingError: Error, Sendable, CustomStringConvertible {
    public let column: String
    public let expectedType: String
    public let found: DatabaseValue
    /// Set when the column itself is missing rather than its value unreadable.
    public let reason: String?

    public var description: String {
        reason.map { "column \(column): \($0)" }
            ?? "column \(column): cannot read \(found) as \(expectedType)"
    }
}

/// The Store refuses to open or upgrade a database.
public enum StoreOpeningError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file exists but does not start with the SQLite header.
    case notASQLiteDatabase(path: String)
    /// The file's schema comes from newer code than this build.
    case schemaNewerThanCode(path: String, found: Int, known: Int)
    /// A connection of this process is already inside `read`/`write` on this thread;
    /// entering again would deadlock on the connection's lock.
    case reentrantAccess
    /// The file is a SQLite database with tables, none of them this code's: another
    /// program's database.
    case foreignSchema(path: String)
    /// The database was closed (`Database.close()`, at shutdown).
    case closed

    public var description: String {
        switch self {
        case .notASQLiteDatabase(let path):
            return "\(path) is not a SQLite database (its header is not \"SQLite format 3\"); "
                + "it was left untouched"
        case .schemaNewerThanCode(let path, let found, let known):
            return "\(path) has schema version \(found), newer than the \(known) this build knows; "
                + "it was left untouched — use a newer build or another database file"
        case .reentrantAccess:
            return "a database read or write was started inside another one on the same thread; "
                + "use the connection the outer closure received"
        case .foreignSchema(let path):
            return "\(path) is a SQLite database with tables of another program and none of Rostra's; "
                + "it was left untouched — name another file with --db"
        case .closed:
            return "the database was closed (the server is shutting down)"
        }
    }
}
