import HTTP
import JSON

/// A refused admin call: its status (400 for bad input, 404 for an unknown id, 409 for a
/// conflict) and, when one field is to blame, that field's name — the answer is
/// `{"error": "<field>: <problem>", "field": "<field>"}`.
public struct AdminError: Error, Sendable, CustomStringConvertible {
    public let status: HTTPStatus
    /// The field (dotted for nested ones, `job_durations.snapshot.running_s`), or a query
    /// parameter, or a header.
    public let field: String?
    public let problem: String
    public var headers: HTTPHeaders = [:]

    public init(_ status: HTTPStatus = .badRequest, field: String?, _ problem: String) {
        self.status = status
        self.field = field
        self.problem = problem
    }

    public var description: String { field.map { "\($0): \(problem)" } ?? problem }
}

/// Reads the fields of one JSON object (an admin body, or an object inside one) by name,
/// refusing a wrong type or a value out of range with an `AdminError` that names the field.
/// An explicit `null` counts as a wrong type: a field is either given or left out.
public struct FieldReader {
    public let object: JSONObject
    /// The dotted name of this object inside the body; empty at the top.
    public let path: String

    public init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    /// The body of `request` as a JSON object. A missing body is an empty object when
    /// `optional` (e.g. `POST /__admin/reset`), otherwise refused.
    public static func body(of request: Request, optional: Bool = false) throws -> FieldReader {
        let bytes = try request.body.collect(upTo: ControlPlaneLimits.adminBodyMaximumBytes)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            if optional { return FieldReader(JSONObject()) }
            throw AdminError(field: "body", "expected a JSON object, got nothing")
        }
        guard let value = try? JSONParser.parse(bytes, options: parserOptions) else {
            throw AdminError(field: "body", "not valid JSON")
        }
        guard let object = value.objectValue else {
            throw AdminError(field: "body", "expected a JSON object, got \(value.typeName)")
        }
        return FieldReader(object)
    }

    /// Admin bodies are read as Python reads JSON (a repeated key keeps its last value), with
    /// a leading UTF-8 byte order mark skipped (RFC 8259 lets a parser ignore one) so that
    /// a body saved by an editor that writes one is taken as it is.
    static let parserOptions = JSONParser.Options(skipsByteOrderMark: true)

    public func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public var keys: [String] { object.keys }

    public func contains(_ key: String) -> Bool { object[key] != nil }

    /// Refuses the first key (in sorted order, so the message is stable) not in `known`.
    public func rejectUnknownKeys(_ known: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw AdminError(field: name(unknown), "unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    public func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = object[key] else { return nil }
        // Up to 2^53 − 1: beyond it a double no longer holds every whole number.
        guard let number = value.numberValue, number == number.rounded(), abs(number) <= 9_007_199_254_740_991 else {
            throw AdminError(field: name(key), "expected a whole number, got \(describe(value))")
        }
        guard range.contains(Int(number)) else {
            throw AdminError(field: name(key), "\(Int(number)) is out of range \(range.lowerBound)…\(range.upperBound)")
        }
        return Int(number)
    }

    public func number(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = object[key] else { return nil }
        guard let number = value.numberValue else {
            throw AdminError(field: name(key), "expected a number, got \(describe(value))")
        }
        guard range.contains(number) else {
            throw AdminError(field: name(key), "\(describe(value)) is out of range \(JSONWriter.doubleText(range.lowerBound))…\(JSONWriter.doubleText(range.upperBound))")
        }
        return number
    }

    public func string(_ key: String, maximumLength: Int = 1000) throws -> String? {
        guard let value = object[key] else { return nil }
        guard let string = value.stringValue else {
            throw AdminError(field: name(key), "expected a string, got \(describe(value))")
        }
        guard string.count <= maximumLength else {
            throw AdminError(field: name(key), "longer than \(maximumLength) characters")
        }
        return string
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let value = object[key] else { return nil }
        guard let bool = value.boolValue else {
            throw AdminError(field: name(key), "expected true or false, got \(describe(value))")
        }
        return bool
    }

    public func object(_ key: String) throws -> FieldReader? {
        guard let value = object[key] else { return nil }
        guard let nested = value.objectValue else {
            throw AdminError(field: name(key), "expected an object, got \(describe(value))")
        }
        return FieldReader(nested, path: name(key))
    }

    public func array(_ key: String) throws -> [JSONValue]? {
        guard let value = object[key] else { return nil }
        guard let array = value.arrayValue else {
            throw AdminError(field: name(key), "expected an array, got \(describe(value))")
        }
        return array
    }

    /// One of a fixed set of string values.
    public func choice<Value: RawRepresentable & CaseIterable>(_ key: String, of type: Value.Type) throws -> Value?
    where Value.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let value = Value(rawValue: text) else {
            throw AdminError(field: name(key), "\(JSONString.quote(text)) is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    private func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return "the string \(JSONString.quote(String(text.prefix(40))))"
        // As the admin API writes numbers; one beyond a double's range as it was written.
        case .number(let number): return number.double.isFinite ? JSONWriter.doubleText(number.double) : number.text
        default: return value.typeName
        }
    }
}
