import Foundation
import Store

/// An import that was refused; nothing was changed.
public struct StateImportError: Error, Sendable, CustomStringConvertible {
    public let problem: String
    public var description: String { "cannot import state: \(problem)" }

    public init(problem: String) { self.problem = problem }
}

/// The portable export of a whole emulator state:
///
///     {"format": "rostra-state", "version": 1, "schema_version": 2, "exported_at": 1700000000.5,
///      "tables": {"<table>": [{"id": 1201, "name": "blog", …}], …},
///      "sequences": {"<table>": 1203, …},
///      "files": [{"sha1": "…", "size": 12, "base64": "…"},
///                {"name": "rosti/apps/1201.tar", "sha1": "…", "size": 10240, "base64": "…"}]}
///
/// Rows are objects keyed by column; a BLOB value (none in today's schema) would be
/// `{"base64": "…"}`. Times are unix seconds, as in the database. Which tables there are
/// is the schema's (its plug-ins'); `files` holds what plug-ins keep beside the database
/// (the Rosa File Store's uploads, the Rosti apps' folders), each claimed and checked by its
/// plug-in: an import refuses a file no plug-in claims.
public struct StateDocument: Codable, Sendable {
    static let formatName = "rostra-state"
    static let formatVersion = 1

    var format: String
    var version: Int
    var schemaVersion: Int
    var exportedAt: Double
    var tables: [String: [Row]]
    /// AUTOINCREMENT counters (sqlite_sequence), so ids of deleted rows stay retired.
    var sequences: [String: Int64]
    var files: [File]

    /// One row: its columns by name.
    public typealias Row = [String: Cell]

    /// A file a plug-in keeps beside the database, with the SHA-1 and size of its contents.
    public struct File: Codable, Sendable {
        public var sha1: String
        public var size: Int64
        public var base64: String
        /// The plug-in's name for the file (`rosti/apps/1201.tar`), which says whose it is.
        /// Absent for the Rosa File Store's uploads, which their SHA-1 names (and in every
        /// file of a document written before files had names).
        public var name: String?

        public init(sha1: String, size: Int64, base64: String, name: String? = nil) {
            self.sha1 = sha1
            self.size = size
            self.base64 = base64
            self.name = name
        }

        /// The file's contents as a plug-in's file of `label`: base64, SHA-1 and size
        /// checked; throws `StateImportError` naming it.
        public func verifiedContents(label: String) throws -> [UInt8] {
            guard let data = Data(base64Encoded: base64) else {
                throw StateImportError(problem: "\(label): base64 is invalid")
            }
            let bytes = [UInt8](data)
            guard SHA1.hexDigest(of: bytes) == sha1 else {
                throw StateImportError(problem: "\(label): content does not match its SHA-1")
            }
            guard Int64(bytes.count) == size else {
                throw StateImportError(problem: "\(label): size is \(bytes.count), not \(size)")
            }
            return bytes
        }

        /// How messages name it: its name, else its SHA-1.
        public var shownName: String { name ?? sha1 }
    }

    /// One column value in JSON: null, a number, a string, or `{"base64": …}` for a BLOB.
    public struct Cell: Codable, Equatable, Sendable {
        public var value: DatabaseValue

        private enum BlobKeys: String, CodingKey { case base64 }

        init(_ value: DatabaseValue) { self.value = value }

        public init(from decoder: any Decoder) throws {
            if let blob = try? decoder.container(keyedBy: BlobKeys.self) {
                guard let bytes = Data(base64Encoded: try blob.decode(String.self, forKey: .base64)) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid base64"))
                }
                value = .blob([UInt8](bytes))
                return
            }
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                value = .null
            } else if let integer = try? single.decode(Int64.self) {
                value = .integer(integer)
            } else if let real = try? single.decode(Double.self) {
                value = .real(real)
            } else {
                value = .text(try single.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch value {
            case .blob(let bytes):
                var blob = encoder.container(keyedBy: BlobKeys.self)
                try blob.encode(Data(bytes).base64EncodedString(), forKey: .base64)
            case .null:
                var single = encoder.singleValueContainer()
                try single.encodeNil()
            case .integer(let integer):
                var single = encoder.singleValueContainer()
                try single.encode(integer)
            case .real(let real):
                var single = encoder.singleValueContainer()
                try single.encode(real)
            case .text(let text):
                var single = encoder.singleValueContainer()
                try single.encode(text)
            }
        }
    }

    private enum CodingKeys: String, CodingKey {
        case format, version, tables, sequences, files
        case schemaVersion = "schema_version"
        case exportedAt = "exported_at"
    }

    // MARK: Export

    static func capture(from conn: Connection, schema: StateSchema, files: [any StateFiles]) throws -> StateDocument {
        var tables: [String: [Row]] = [:]
        for table in schema.tables {
            let order = try primaryKeyColumns(of: table, in: conn).joined(separator: ", ")
            tables[table] = try conn.fetchAll("SELECT * FROM \(table) ORDER BY \(order)").map { row in
                Dictionary(uniqueKeysWithValues: zip(row.columns.names, row.values.map(Cell.init)))
            }
        }
        var sequences: [String: Int64] = [:]
        try conn.forEachRow("SELECT name, seq FROM sqlite_sequence") { sequences[try $0["name"]] = try $0["seq"] }
        return StateDocument(
            format: formatName, version: formatVersion, schemaVersion: schema.version,
            exportedAt: Date().timeIntervalSince1970, tables: tables, sequences: sequences,
            files: try files.flatMap { try $0.export(from: conn) })
    }

    private static func primaryKeyColumns(of table: String, in conn: Connection) throws -> [String] {
        try conn.fetchAll("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [table])
            .map { try $0["name"] as String }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    // MARK: Import

    static func decode(_ data: Data, schema: StateSchema) throws -> StateDocument {
        let document: StateDocument
        do {
            document = try JSONDecoder().decode(StateDocument.self, from: data)
        } catch let error as DecodingError {
            throw StateImportError(problem: "not a Rostra state document (\(describe(error)))")
        }
        guard document.format == formatName else {
            throw StateImportError(problem: "format is \"\(document.format)\", expected \"\(formatName)\"")
        }
        guard document.version == formatVersion else {
            throw StateImportError(problem: "format version \(document.version) is not the \(formatVersion) this build reads")
        }
        guard document.schemaVersion == schema.version else {
            throw StateImportError(problem: "schema version \(document.schemaVersion) does not match this build's \(schema.version)")
        }
        let known = Set(schema.tables)
        if let unknown = document.tables.keys.sorted().first(where: { !known.contains($0) }) {
            throw StateImportError(problem: "unknown table \"\(unknown)\"")
        }
        if let missing = schema.tables.first(where: { document.tables[$0] == nil }) {
            throw StateImportError(problem: "table \"\(missing)\" is missing (an empty table is [])")
        }
        if let unknown = document.sequences.keys.sorted().first(where: { !known.contains($0) }) {
            throw StateImportError(problem: "sequence of unknown table \"\(unknown)\"")
        }
        return document
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\" at \(path(context.codingPath))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context.codingPath))"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty ? "the top level" : codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    /// Inserts every row into an empty database of the current schema, so its constraints
    /// (types, uniqueness, foreign keys, CHECKs) validate the document.
    func insert(into conn: Connection, schema: StateSchema) throws {
        for table in schema.tables {
            let columns = Set(try conn.fetchAll("SELECT name FROM pragma_table_info(?)", [table]).map { try $0["name"] as String })
            for (index, row) in (tables[table] ?? []).enumerated() {
                let label = "table \(table), row \(index)" + (row["id"].map { " (id \($0.value))" } ?? "")
                let names = row.keys.sorted()
                if let unknown = names.first(where: { !columns.contains($0) }) {
                    throw StateImportError(problem: "\(label): unknown column \"\(unknown)\"")
                }
                let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
                do {
                    try conn.execute(
                        "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders))",
                        names.map { row[$0]!.value })
                } catch {
                    throw StateImportError(problem: "\(label): \(error)")
                }
            }
        }
        try conn.execute("DELETE FROM sqlite_sequence")
        for (table, sequence) in sequences.sorted(by: { $0.key < $1.key }) {
            try conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, sequence])
        }
        // Each INSERT already checked its parents; this catches anything deferred.
        if let violation = try conn.fetchOne("PRAGMA foreign_key_check") {
            throw StateImportError(problem: "broken reference: \(violation)")
        }
    }
}

/// An export that could not be completed (a plug-in's folder lost a file).
public struct StateExportError: Error, Sendable, CustomStringConvertible {
    public let problem: String
    public var description: String { "cannot export state: \(problem)" }

    public init(problem: String) { self.problem = problem }
}
