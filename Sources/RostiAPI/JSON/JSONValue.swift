/// A JSON value as the Rosti API reads and writes it.
///
/// Numbers keep the text they were written with, and integers and fractions stay apart:
/// DRF's fields treat `3`, `3.0` and `"3"` differently, and so must we. Objects keep their
/// keys in order, because answers list fields in the order the reference gives them.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    static func integer(_ value: Int64) -> JSONValue { .number(JSONNumber(integer: value)) }
    static func integer(_ value: Int) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }
    static func double(_ value: Double) -> JSONValue { .number(JSONNumber(double: value)) }

    /// `.string` for a value, `.null` for nil.
    static func optionalString(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func optionalInteger(_ value: Int64?) -> JSONValue { value.map(JSONValue.integer) ?? .null }

    /// The member of an object, nil for other values or a missing key.
    subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }
}

/// A number as written in JSON. Python's `json` gives `int` for a literal without fraction
/// or exponent and `float` otherwise; DRF's fields depend on that difference.
struct JSONNumber: Sendable, Equatable {
    /// The literal, e.g. `-12`, `3.50`, `1e3`.
    let text: String
    let isInteger: Bool

    init(text: String, isInteger: Bool) {
        self.text = text
        self.isInteger = isInteger
    }

    init(integer: Int64) {
        self.init(text: String(integer), isInteger: true)
    }

    init(double: Double) {
        self.init(text: PythonText.floatRepr(double), isInteger: false)
    }

    /// The integer value when the literal is an integer that fits 64 bits.
    var int64: Int64? { isInteger ? Int64(text) : nil }

    var double: Double { Double(text) ?? .nan }
}

/// A JSON object: keys in order of first appearance; a repeated key keeps its last value,
/// as Python's `json` does.
struct JSONObject: Sendable, Equatable {
    private(set) var members: [(key: String, value: JSONValue)] = []

    init() {}

    /// Members whose keys are distinct (literals in our code): kept as given, without the
    /// search for an earlier key that `subscript` does.
    init(_ members: [(String, JSONValue)]) {
        self.members = members.map { (key: $0.0, value: $0.1) }
    }

    subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
        }
    }

    var keys: [String] { members.map(\.key) }
    var isEmpty: Bool { members.isEmpty }

    static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }
    init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    init(nilLiteral: ()) { self = .null }
}
