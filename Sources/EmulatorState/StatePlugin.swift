import Foundation
import Store

/// One emulated API's share of the emulator's state: its tables, how its part of a seed
/// folder is read, and what it keeps beside the database.
///
/// The shared state code — `StateStore`, `Seed`, `StateDocument`, `StateSchema` — works
/// only through this protocol and names no table: an API module owns its data and hands
/// the emulator a plug-in for it.
public protocol StatePlugin: Sendable {
    /// A short name for messages ("rosti").
    var name: String { get }
    /// This API's steps of the state's schema (see `StateSchema`).
    var schemaSteps: [SchemaStep] { get }
    /// This API's tables, parents before children, so inserting in this order satisfies
    /// the foreign keys (an import relies on it).
    var tables: [String] { get }
    /// Reads this API's part of the seed folder `directory` into `conn`, a database of the
    /// whole schema that the plug-ins before this one have already filled. Throws
    /// `SeedError` naming the file, the record and the problem. Returns the contents of the
    /// files the seed keeps beside its rows, by the key the rows use for them (empty if
    /// none); `StateFiles.restore` gets them back at every reset.
    func loadSeed(from directory: URL, into conn: Connection) throws -> [String: [UInt8]]
    /// Opens what this API keeps beside the database at `location`; nil when it keeps
    /// everything in its tables.
    func openFiles(for location: StateStore.Location) throws -> (any StateFiles)?
}

/// What a plug-in keeps beside the database — file contents under a key its rows hold —
/// and how a reset, an export and an import reach it. Resets and imports call these under
/// the database's writer lock, in the order: `restore` (every file the new rows need is
/// there before they arrive), the rows are replaced, `removeAll(except:)`.
public protocol StateFiles: Sendable {
    /// Writes every given file that is missing or differs in size; leaves the others.
    func restore(_ files: [String: [UInt8]]) throws
    /// Removes every stored file whose key is not in `keep`.
    func removeAll(except keep: Set<String>) throws
    /// The keys of the files stored now.
    func storedKeys() throws -> Set<String>
    /// Removes one stored file, if it is there.
    func remove(_ key: String) throws
    /// The files the rows in `conn` refer to, for an export; read in the same transaction
    /// as the rows, so the two agree.
    func export(from conn: Connection) throws -> [StateDocument.File]
    /// Checks an imported document's files against its rows (contents against their keys,
    /// exactly one file per row that needs one) and returns them by key for `restore`.
    /// Throws `StateImportError`.
    func verifyImport(_ files: [StateDocument.File], tables: [String: [StateDocument.Row]]) throws -> [String: [UInt8]]
    /// Removes everything, folder included: the end of a throwaway (in-memory) state.
    func removeStorage()
    /// The `plugin` its files carry in an export document, when they are keyed by the
    /// plug-in's own keys (`StateDocument.File.key`); nil (the default) for files known by
    /// the SHA-1 of their contents. An import hands each `StateFiles` only the files with
    /// its label.
    var documentLabel: String? { get }
    /// Called by an export before it takes the writer lock and reads the rows: for files
    /// that take long to gather (dumps of databases outside the state), which must not hold
    /// the state's writes up. `export(from:)` then hands out what this gathered for the rows
    /// it sees.
    func prepareExport() throws
}

extension StateFiles {
    public var documentLabel: String? { nil }
    public func prepareExport() throws {}
}

/// One plug-in's step of the schema: the SQL it runs when a database reaches `version`.
public struct SchemaStep: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
