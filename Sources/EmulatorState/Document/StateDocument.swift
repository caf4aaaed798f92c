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
///     {"format": "rostra-state", "version": 2, "schema_version": 2, "exported_at": 1700000000.5,
///      "tables": {"<table>": [{"id": 1201, "name": "blog", …}], …},
///      "sequences": {"<table>": 1203, …},
///      "files": [{"sha1": "…", "size": 12, "base64": "…"},
///                {"plugin": "rosti", "key": "1894", "size": 300, "base64": "…"}]}
///
/// Rows are objects keyed by column; a BLOB value (none in today's schema) would be
/// `{"base64": "…"}`. Times are unix seconds, as in the database. Which tables there are
/// is the schema's (its plug-ins'); `files` holds what plug-ins keep beside the database,
/// each checked by its plug-in: unlabelled ones content-addressed by `sha1` (the Rosa File
/// Store's uploads), and those of plug-ins that label theirs (`StateFiles.documentLabel`)
/// with `plugin` and `key` (the Rosti storages' database dumps).
///
/// Version 2 added labelled files; a version-1 document (no labelled file) is read as
/// before.
public struct StateDocument: Codable, Sendable {
    static let formatName = "rostra-state"
    static let formatVersion = 2
    /// The versions an import reads.
    static let readableVersions = 1...2

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

    /// A stored file: unlabelled, under the SHA-1 of its contents; labelled, under its
    /// plug-in's name and a key of that plug-in's.
    public struct File: Codable, Sendable {
        /// The contents' SHA-1; empty (and left out of the document) for a labelled file.
        public var sha1: String
        public var size: Int64
        public var base64: String
        /// The plug-in that keeps it, when that plug-in labels its files.
        public var plugin: String?
        /// Its key among that plug-in's files.
        public var key: String?

        public init(sha1: String, size: Int64, base64: String) {
            self.sha1 = sha1
            self.size = size
            self.base64 = base64
        }

        /// A labelled file (`StateFiles.documentLabel`) with `contents` under `key`.
        public init(key: String, contents: [UInt8]) {
            self.init(sha1: "", size: Int64(contents.count), base64: Data(contents).base64EncodedString())
            self.key = key
        }

        /// The decoded contents, checked against `size`; nil when they are not.
        public var contents: [UInt8]? {
            guard let data = Data(base64Encoded: base64), Int64(data.count) == size else { return nil }
            return [UInt8](data)
        }

        private enum CodingKeys: String, CodingKey { case sha1, size, base64, plugin, key }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            plugin = try container.decodeIfPresent(String.self, forKey: .plugin)
            key = try container.decodeIfPresent(String.self, forKey: .key)
            // Unlabelled files are known by their SHA-1: it must be there.
            sha1 = plugin == nil ? try container.decode(String.self, forKey: .sha1) : try container.decodeIfPresent(String.self, forKey: .sha1) ?? ""
            size = try container.decode(Int64.self, forKey: .size)
            base64 = try container.decode(String.self, forKey: .base64)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(plugin, forKey: .plugin)
            try container.encodeIfPresent(key, forKey: .key)
            if !sha1.isEmpty { try container.encode(sha1, forKey: .sha1) }
            try container.encode(size, forKey: .size)
            try container.encode(base64, forKey: .base64)
        }
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
            files: try files.flatMap { store in
                try store.export(from: conn).map { file in
                    var labelled = file
                    labelled.plugin = store.documentLabel
                    return labelled
                }
            })
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
        guard readableVersions.contains(document.version) else {
            throw StateImportError(problem: "format version \(document.version) is not one this build reads (\(readableVersions.lowerBound) to \(readableVersions.upperBound))")
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
