import Foundation

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
    private let fields: [String: JSONNode]
    private var readKeys: Set<String> = []

    public init(file: String, collection: String, index: Int, node: JSONNode) throws {
        self.file = file
        guard case .object(let members) = node.value else {
            throw SeedError(
                file: file, record: "\(collection)[\(index)] (line \(node.line))",
                problem: "expected an object, found \(node.typeName)")
        }
        fields = Dictionary(members.map { ($0.key, $0.node) }, uniquingKeysWith: { first, _ in first })
        var identity: [String] = []
        if case .integer(let id) = fields["id"]?.value { identity.append("id \(id)") }
        for key in ["name", "uname", "email", "file"] {
            if case .string(let name) = fields[key]?.value {
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

    private mutating func node(_ key: String) throws -> JSONNode {
        readKeys.insert(key)
        guard let node = fields[key] else { throw failure("missing field \"\(key)\"") }
        return node
    }

    private func mismatch(_ key: String, expected: String, found node: JSONNode) -> SeedError {
        failure("field \"\(key)\" must be \(expected), found \(node.typeName)")
    }

    public mutating func isPresent(_ key: String) -> Bool {
        readKeys.insert(key)
        if case .null = fields[key]?.value { return false }
        return fields[key] != nil
    }

    /// The field converted by `extract`; a type mismatch names what was `expected`.
    private mutating func value<Value>(_ key: String, _ expected: String, _ extract: (JSONNode) -> Value?) throws -> Value {
        let node = try node(key)
        guard let value = extract(node) else { throw mismatch(key, expected: expected, found: node) }
        return value
    }

    /// An array field whose every element `extract` converts.
    private mutating func elements<Value>(
        _ key: String, _ expected: String, _ extract: (JSONNode) -> Value?
    ) throws -> [Value] {
        try array(key).map { element in
            guard let value = extract(element) else { throw mismatch(key, expected: expected, found: element) }
            return value
        }
    }

    public mutating func int(_ key: String) throws -> Int64 { try value(key, "an integer", \.integerValue) }

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
        try elements(key, "an array of integers", \.integerValue)
    }

    public mutating func array(_ key: String) throws -> [JSONNode] {
        let node = try node(key)
        guard case .array(let elements) = node.value else { throw mismatch(key, expected: "an array", found: node) }
        return elements
    }

    /// An object field, returned as compact JSON text (for JSON columns).
    public mutating func objectJSON(_ key: String) throws -> String {
        let node = try node(key)
        guard case .object = node.value else { throw mismatch(key, expected: "an object", found: node) }
        return Self.json(node)
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

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. Parsed by hand: a Foundation date
    /// formatter costs more to create than the whole rest of loading a seed.
    static func parseTime(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func isByte(_ index: Int, _ character: Character) -> Bool {
            index < bytes.count && bytes[index] == character.asciiValue
        }
        guard let year = number(0..<4), isByte(4, "-"), let month = number(5..<7), isByte(7, "-"),
            let day = number(8..<10), isByte(10, "T") || isByte(10, "t"), let hour = number(11..<13), isByte(13, ":"),
            let minute = number(14..<16), isByte(16, ":"), let second = number(17..<19),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if isByte(index, ".") {
            var scale = 0.1
            index += 1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offsetSeconds = 0
        if isByte(index, "Z") || isByte(index, "z") {
            index += 1
        } else if isByte(index, "+") || isByte(index, "-") {
            guard let offsetHours = number(index + 1..<index + 3), isByte(index + 3, ":"),
                let offsetMinutes = number(index + 4..<index + 6)
            else { return nil }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (isByte(index, "-") ? -1 : 1)
            index += 6
        } else {
            return nil  // a time without a zone is ambiguous
        }
        guard index == bytes.count else { return nil }
        let seconds = daysSinceUnixEpoch(year: year, month: month, day: day) * 86_400
            + hour * 3600 + minute * 60 + second - offsetSeconds
        return Double(seconds) + fraction
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
    private static func daysSinceUnixEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func json(_ node: JSONNode) -> String {
        switch node.value {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return "\(value)"
        case .number(let value): return "\(value)"
        case .string(let value):
            let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed, .withoutEscapingSlashes])
            return data.map { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) } ?? "\"\""
        case .array(let elements): return "[" + elements.map(json).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { json(JSONNode(value: .string($0.key), line: 0)) + ":" + json($0.node) }
                .joined(separator: ",") + "}"
        }
    }
}
