/// A JSON value: what every body, answer, OpenAPI document and seed file of Rostra is read
/// into and written from.
///
/// Numbers keep the text they were written with, and integers and fractions stay apart:
/// DRF's fields treat `3`, `3.0` and `"3"` differently, and so must the Rosti API. Objects
/// keep their keys in order, because answers list fields in the order the reference gives
/// them.
///
/// Two values are equal as Python's `==` finds the values `json.loads` makes of them: numbers
/// by their value (`1 == 1.0`), objects whatever the order of their keys. How a value is
/// written is the business of the `JSONWriter` and its `JSONFormat`.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// An integer, written in decimal.
    public static func integer(_ value: some BinaryInteger) -> JSONValue { .number(JSONNumber(integer: value)) }

    /// A double, kept as a Python `float` (its text is `repr()`'s: `10.0`, `0.05`), which
    /// is how DRF's format writes it; the formats that write numbers as doubles write `10`.
    public static func number(_ value: Double) -> JSONValue { .number(JSONNumber(double: value)) }

    /// `.string` for a value, `.null` for nil.
    public static func optionalString(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// `.integer` for a value, `.null` for nil.
    public static func optionalInteger(_ value: Int64?) -> JSONValue { value.map(JSONValue.integer) ?? .null }

    /// The member of an object, nil for other values or a missing key.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    /// The number as a double (infinite beyond its range, as Python's `float()` reads it).
    public var numberValue: Double? {
        if case .number(let number) = self { return number.double }
        return nil
    }

    /// The number when it is written as an integer (no fraction, no exponent) that fits 64 bits.
    public var int64Value: Int64? {
        if case .number(let number) = self { return number.int64 }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The name of the value's JSON type, for messages ("expected a number, got a string").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension JSONValue: Equatable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.number(let left), .number(let right)): return left == right
        case (.string(let left), .string(let right)): return left == right
        case (.array(let left), .array(let right)): return left == right
        case (.object(let left), .object(let right)): return left == right
        default: return false
        }
    }
}

/// A number as written in JSON. Python's `json` gives `int` for a literal without fraction
/// or exponent and `float` otherwise; DRF's fields depend on that difference.
public struct JSONNumber: Sendable {
    /// The literal, e.g. `-12`, `3.50`, `1e3`.
    public let text: String
    public let isInteger: Bool

    public init(text: String, isInteger: Bool) {
        self.text = text
        self.isInteger = isInteger
    }

    public init(integer: some BinaryInteger) {
        self.init(text: String(integer), isInteger: true)
    }

    /// A Python `float`: its text is `repr()`'s.
    public init(double: Double) {
        self.init(text: Self.floatRepr(double), isInteger: false)
    }

    /// The integer value when the literal is an integer that fits 64 bits.
    public var int64: Int64? { isInteger ? Int64(text) : nil }

    /// The value as Python's `float()` reads the literal: infinite beyond a double's range.
    public var double: Double { Double(text) ?? .nan }

    /// `repr(float)`: the shortest text that reads back as the same double, which is also
    /// what Swift's `description` gives, apart from the names of the special values.
    public static func floatRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value.description
    }
}

extension JSONNumber: Equatable {
    /// Python's `==` on what `json.loads` makes of the literals: integers exactly (of any
    /// size), anything else as doubles.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.isInteger && rhs.isInteger { return lhs.integerDigits == rhs.integerDigits }
        return lhs.double == rhs.double
    }

    /// An integer literal without the sign of a zero (`-0` is `0`).
    private var integerDigits: Substring {
        text == "-0" ? "0" : Substring(text)
    }
}

/// A JSON object: keys in order of first appearance; setting a key again replaces its value
/// in place, as Python's `dict` does (so `json.loads` keeps the last of repeated keys).
public struct JSONObject: Sendable {
    public private(set) var members: [(key: String, value: JSONValue)] = []

    public init() {}

    /// Members whose keys are distinct (literals in our code): kept as given, without the
    /// search for an earlier key that `subscript` does.
    public init(_ members: [(String, JSONValue)]) {
        self.members = members.map { (key: $0.0, value: $0.1) }
    }

    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
        }
    }

    /// Appends a member whose key the caller knows to be new (the parser, which has looked).
    mutating func appendNew(_ key: String, _ value: JSONValue) {
        members.append((key: key, value: value))
    }

    public var keys: [String] { members.map(\.key) }
    public var isEmpty: Bool { members.isEmpty }
    public var count: Int { members.count }
}

extension JSONObject: Equatable {
    /// Python's `dict` equality: the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && lhs.members.allSatisfy { member in rhs[member.key] == member.value }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
