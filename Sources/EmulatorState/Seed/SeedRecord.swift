import JSON

/// A seed file that cannot be loaded: which file, which record, what is wrong.
public struct SeedError: Error, Sendable, CustomStringConvertible {
    public let file: String
    /// e.g. `apps[2] (id 1203, line 45)`; nil for a problem with the file as a whole.
    public let record: String?
    public let problem: String

    public var description: String {
        [file, record, problem].compactMap { $0 }.joined(separator: ": ")
    }
}

/// One JSON object of a seed file, read field by field. Every read names the record in
/// its error, and `finish()` rejects fields nobody read — a misspelt key must not vanish.
public struct SeedRecord {
    public let file: String
    public let label: String
    private let fields: [String: LocatedJSON]
    private var readKeys: Set<String> = []

    public init(file: String, collection: String, index: Int, node: LocatedJSON) throws {
        self.file = file
        guard let members = node.members else {
            throw SeedError(
                file: file, record: "\(collection)[\(index)] (line \(node.line))",
                problem: "expected an object, found \(node.value.typeName)")
        }
        fields = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        var identity: [String] = []
        if let id = fields["id"]?.value.int64Value { identity.append("id \(id)") }
        for key in ["name", "uname", "email", "file"] {
            if let name = fields[key]?.value.stringValue {
                identity.append("\"\(name)\"")
                break
            }
        }
        identity.append("line \(node.line)")
        label = "\(collection)[\(index)] (\(identity.joined(separator: ", ")))"
    }

    public func failure(_ problem: String) -> SeedError {
        SeedError(file: file, record: label, problem: problem)
    }

    private mutating func node(_ key: String) throws -> LocatedJSON {
        readKeys.insert(key)
        guard let node = fields[key] else { throw failure("missing field \"\(key)\"") }
        return node
    }

    private func mismatch(_ key: String, expected: String, found node: LocatedJSON) -> SeedError {
        failure("field \"\(key)\" must be \(expected), found \(node.value.typeName)")
    }

    public mutating func isPresent(_ key: String) -> Bool {
        readKeys.insert(key)
        if fields[key]?.value.isNull == true { return false }
        return fields[key] != nil
    }

    /// The field converted by `extract`; a type mismatch names what was `expected`.
    private mutating func value<Value>(_ key: String, _ expected: String, _ extract: (JSONValue) -> Value?) throws -> Value {
        let node = try node(key)
        guard let value = extract(node.value) else { throw mismatch(key, expected: expected, found: node) }
        return value
    }

    /// An array field whose every element `extract` converts.
    private mutating func elements<Value>(
        _ key: String, _ expected: String, _ extract: (JSONValue) -> Value?
    ) throws -> [Value] {
        try array(key).map { element in
            guard let value = extract(element.value) else { throw mismatch(key, expected: expected, found: element) }
            return value
        }
    }

    public mutating func int(_ key: String) throws -> Int64 { try value(key, "an integer", \.int64Value) }

    public mutating func optionalInt(_ key: String) throws -> Int64? {
        try isPresent(key) ? int(key) : nil
    }

    public mutating func bool(_ key: String) throws -> Bool { try value(key, "true or false", \.boolValue) }

    public mutating func string(_ key: String) throws -> String { try value(key, "a string", \.stringValue) }

    public mutating func optionalString(_ key: String) throws -> String? {
        try isPresent(key) ? string(key) : nil
    }

    public mutating func string(_ key: String, oneOf allowed: [String]) throws -> String {
        let value = try string(key)
        guard allowed.contains(value) else {
            throw failure("field \"\(key)\" is \"\(value)\", expected one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        return value
    }

    public mutating func stringArray(_ key: String) throws -> [String] {
        try elements(key, "an array of strings", \.stringValue)
    }

    public mutating func intArray(_ key: String) throws -> [Int64] {
        try elements(key, "an array of integers", \.int64Value)
    }

    public mutating func array(_ key: String) throws -> [LocatedJSON] {
        let node = try node(key)
        guard let elements = node.elements else { throw mismatch(key, expected: "an array", found: node) }
        return elements
    }

    /// An object field, returned as JSON text for JSON columns (as the APIs write them, DRF's way).
    public mutating func objectJSON(_ key: String) throws -> String {
        let node = try node(key)
        guard case .object = node.value else { throw mismatch(key, expected: "an object", found: node) }
        return JSONWriter.text(node.value, .djangoREST)
    }

    /// An ISO 8601 time ("2024-03-01T09:30:00Z", offsets allowed) as unix seconds.
    public mutating func time(_ key: String) throws -> Double {
        let text = try string(key)
        guard let date = Self.parseTime(text) else {
            throw failure("field \"\(key)\" is \"\(text)\", expected an ISO 8601 time such as 2024-03-01T09:30:00Z")
        }
        return date
    }

    public mutating func optionalTime(_ key: String) throws -> Double? {
        try isPresent(key) ? time(key) : nil
    }

    /// Rejects fields the loader never asked for (typos, fields of another record kind).
    public func finish() throws {
        let unknown = Set(fields.keys).subtracting(readKeys).sorted()
        if !unknown.isEmpty {
            throw failure("unknown field\(unknown.count == 1 ? "" : "s") \(unknown.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` as unix seconds (`ISO8601Time.parse`).
    static func parseTime(_ text: String) -> Double? { ISO8601Time.parse(text) }
}
