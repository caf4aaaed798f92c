import Processes

#if canImport(Glibc)
import Glibc
#endif

/// What differs between the engines: how a data directory is made, how the server is
/// started and configured, how Rostra logs in to administer it, and the SQL of each
/// storage operation. The numbers and settings come from measurements recorded in
/// docs/rosti.md and the design note behind it.
protocol EngineDialect: Sendable {
    var installation: EngineInstallation { get }
    /// Whether `path` holds a complete data directory.
    func holdsData(_ path: String) -> Bool
    /// The programs that make a data directory at `path` (its parent exists and belongs
    /// to the engine user), with what each gets on stdin, in order.
    func commandsMakingData(at path: String, environment: [String: String]) -> [(Command, [UInt8])]
    /// Rostra's settings, written next to the data at every start.
    func configuration(_ layout: EngineLayout) -> [(path: String, text: String)]
    func serverCommand(_ layout: EngineLayout, port: Int) -> Command
    /// The client logged in as Rostra's administrator over the private socket; SQL on stdin.
    func adminCommand(_ layout: EngineLayout, port: Int, database: String?) -> Command
    func dumpCommand(_ layout: EngineLayout, port: Int, database: String) -> Command
    /// The signal that shuts the server down at once without waiting for clients.
    var stopSignal: Int32 { get }

    /// Lists every object Rostra made: databases with their marks, and accounts.
    var listingSQL: String { get }
    func createSQL(name: String, credential: StorageCredential, mark: StorageMark) -> String
    func passwordSQL(name: String, password: String) -> String
    func dropSQL(name: String) -> String
    func verifierSQL(name: String) -> String
    /// Turns a dump of `name` taken elsewhere (another name, another tenant) into SQL
    /// that loads it into `name`, run by the administrator in that database.
    func restoreScript(_ sql: String, into name: String) -> String
}

/// A storage's password, or the engine's own hash of one (an export carries the hash,
/// because a user may have changed the password inside the database).
public enum StorageCredential: Sendable, Equatable {
    case password(String)
    case verifier(String)
}

/// The comment every database (and PostgreSQL role) Rostra makes carries, so that what
/// belongs to which tenant and storage can be found again: `rostra tenant=<name> storage=<id>`.
public struct StorageMark: Sendable, Hashable, CustomStringConvertible {
    public let tenant: String
    public let storage: Int64

    public init(tenant: String, storage: Int64) {
        self.tenant = tenant
        self.storage = storage
    }

    static let prefix = "rostra "

    public var description: String { "\(Self.prefix)tenant=\(tenant) storage=\(storage)" }

    /// Whether `name` can be a storage's database and account name here: what the API
    /// generates (a slug, the id, a tenant's tag) always can. Nothing else reaches SQL.
    public static func isValidName(_ name: String) -> Bool { SQLText.isValidName(name) }

    /// The mark in `comment`, or nil when it is not one of Rostra's.
    init?(comment: String) {
        guard comment.hasPrefix(Self.prefix) else { return nil }
        var tenant: String?
        var storage: Int64?
        for field in comment.dropFirst(Self.prefix.count).split(separator: " ") {
            if field.hasPrefix("tenant=") { tenant = String(field.dropFirst(7)) }
            if field.hasPrefix("storage=") { storage = Int64(field.dropFirst(8)) }
        }
        guard let tenant, !tenant.isEmpty, let storage else { return nil }
        self.init(tenant: tenant, storage: storage)
    }
}

/// SQL text pieces both engines use.
enum SQLText {
    /// A name Rostra makes, checked before it goes into SQL: the API's slug and id, a
    /// tenant's tag. Nothing else ever reaches the engines as a name.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    /// A standard SQL literal: `'` doubled (PostgreSQL with standard_conforming_strings, the
    /// default: a backslash is an ordinary character).
    static func standardLiteral(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// A MariaDB literal: backslash and `'` escaped (the default sql_mode reads backslash
    /// escapes), NUL written as `\0`.
    static func mariadbLiteral(_ text: String) -> String {
        var escaped = "'"
        for character in text.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "'": escaped += "''"
            case "\0": escaped += "\\0"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped + "'"
    }
}
