import Foundation
import HTTP

/// A JSON document as a plain value. Admin bodies are parsed into it, so that every field
/// can be checked by name and type and refused with a message naming it (a `Codable` struct
/// would stop at the first problem with a message meant for programmers); admin answers are
/// built from it, keys in the order written.
public enum AdminJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([AdminJSON])
    case object(AdminJSONObject)

    /// Parses a whole document; `nil` when the bytes are not JSON.
    public static func parse(_ bytes: some Collection<UInt8>) -> AdminJSON? {
        // No JSON text holds a NUL byte (not as whitespace, nor raw inside a string), but
        // Foundation's decoder stops at NULs after a top-level number: `0\0\0` read as 0.
        guard !bytes.contains(0) else { return nil }
        return try? JSONDecoder().decode(AdminJSON.self, from: Data(bytes))
    }

    /// The document as compact UTF-8 JSON.
    public var serialized: [UInt8] {
        var text = ""
        write(into: &text)
        return Array(text.utf8)
    }

    public var objectValue: AdminJSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var arrayValue: [AdminJSON]? {
        if case .array(let array) = self { return array }
        return nil
    }

    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
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

    private func write(into text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let bool): text += bool ? "true" : "false"
        case .number(let number): text += AdminJSON.format(number)
        case .string(let string): text += JSONString.quote(string)
        case .array(let array):
            text += "["
            for (index, element) in array.enumerated() {
                if index > 0 { text += "," }
                element.write(into: &text)
            }
            text += "]"
        case .object(let object):
            text += "{"
            for (index, field) in object.fields.enumerated() {
                if index > 0 { text += "," }
                text += JSONString.quote(field.key)
                text += ":"
                field.value.write(into: &text)
            }
            text += "}"
        }
    }

    /// Integers (up to 2^53, where doubles stop being exact) without a fraction; other
    /// numbers in Swift's shortest round-trip form, which is valid JSON; no NaN or
    /// infinity exists in JSON, so they become null.
    private static func format(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
            return String(Int64(number))
        }
        return "\(number)"
    }
}

/// A JSON object that keeps its keys in order (answers read as they are documented).
public struct AdminJSONObject: Sendable, Equatable {
    public private(set) var fields: [(key: String, value: AdminJSON)] = []

    public init() {}

    public init(_ fields: [(key: String, value: AdminJSON)]) {
        for field in fields { self[field.key] = field.value }
    }

    public subscript(key: String) -> AdminJSON? {
        get { fields.first { $0.key == key }?.value }
        set {
            if let index = fields.firstIndex(where: { $0.key == key }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((key: key, value: newValue))
            }
        }
    }

    public var keys: [String] { fields.map(\.key) }

    public static func == (lhs: AdminJSONObject, rhs: AdminJSONObject) -> Bool {
        lhs.fields.count == rhs.fields.count
            && lhs.fields.allSatisfy { field in rhs[field.key] == field.value }
    }
}

extension AdminJSON: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([AdminJSON].self) {
            self = .array(array)
        } else {
            // Key order is not kept by the decoder; for input it does not matter.
            let dictionary = try container.decode([String: AdminJSON].self)
            self = .object(AdminJSONObject(dictionary.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }))
        }
    }
}

extension AdminJSON: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: AdminJSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, AdminJSON)...) {
        self = .object(AdminJSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}

extension AdminJSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, AdminJSON)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}

extension AdminJSON {
    /// A whole number as JSON.
    public static func integer(_ value: some BinaryInteger) -> AdminJSON { .number(Double(value)) }

    /// An optional string: the string, or null.
    public static func optional(_ value: String?) -> AdminJSON { value.map(AdminJSON.string) ?? .null }
}
