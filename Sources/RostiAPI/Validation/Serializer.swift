import JSON

/// Reads the fields of a request body the way DRF's serializer fields do, collecting every
/// field's errors in DRF's words instead of stopping at the first.
///
/// Each reader returns the field's value, or nil when it is absent (and allowed to be) or
/// invalid; `finish()` throws the collected errors. Keys the serializer does not know —
/// read-only fields sent back by clients included — are ignored, as in DRF.
struct Serializer {
    /// What a field was given.
    enum Input {
        case absent
        case value(JSONValue)
    }

    private let data: JSONObject
    /// PATCH: absent fields are skipped, even required ones.
    let partial: Bool
    private(set) var errors = ValidationErrors()

    /// DRF's `Serializer.run_validation` on the root: `null` is "No data provided" and any
    /// other non-object is "Invalid data. Expected a dictionary, but got <type>.".
    init(_ body: JSONValue, partial: Bool = false) throws {
        switch body {
        case .object(let object):
            data = object
        case .null:
            throw RostiError.validation(ValidationErrors(field: ValidationErrors.nonFieldErrorsKey, .noDataProvided))
        default:
            throw RostiError.validation(
                ValidationErrors(field: ValidationErrors.nonFieldErrorsKey, .notADictionary(dataType: PythonText.typeName(body))))
        }
        self.partial = partial
    }

    func input(_ name: String) -> Input {
        data[name].map(Input.value) ?? .absent
    }

    func has(_ name: String) -> Bool { data[name] != nil }

    mutating func fail(_ name: String, _ message: Message) {
        errors.add(name, message)
    }

    mutating func fail(_ name: String, _ detail: ValidationErrors.Detail) {
        errors.add(name, detail)
    }

    func finish() throws { try errors.throwIfAny() }

    // MARK: Empty values

    /// `Field.validate_empty_values`: the raw value to convert, or nil when there is nothing
    /// to convert (absent and optional, skipped in a PATCH, or an error already recorded).
    private mutating func present(_ name: String, required: Bool) -> JSONValue? {
        switch input(name) {
        case .absent:
            if required && !partial { fail(name, .required) }
            return nil
        case .value(.null):
            fail(name, .null)
            return nil
        case .value(let value):
            return value
        }
    }

    // MARK: Fields

    /// `CharField` (whitespace trimmed, `trim_whitespace=True`) with its length validators
    /// and an optional pattern (`RegexField`); numbers are accepted as text, as DRF does.
    mutating func string(
        _ name: String, required: Bool = false, allowBlank: Bool = false,
        minimumLength: Int? = nil, maximumLength: Int? = nil, matches pattern: ((String) -> Bool)? = nil
    ) -> String? {
        if case .value(let raw) = input(name), let text = Self.stringValue(raw),
           text.trimmingPythonWhitespace().isEmpty {
            if !allowBlank { fail(name, .blank) }
            return allowBlank ? "" : nil
        }
        guard let raw = present(name, required: required) else { return nil }
        guard let text = Self.stringValue(raw) else {
            fail(name, .notAString)
            return nil
        }
        let value = text.trimmingPythonWhitespace()
        var messages: [Message] = []
        let length = value.unicodeScalars.count
        if let maximumLength, length > maximumLength { messages.append(.maximumLength(maximumLength)) }
        if let minimumLength, length < minimumLength { messages.append(.minimumLength(minimumLength)) }
        if let pattern, !pattern(value) { messages.append(.patternMismatch) }
        guard messages.isEmpty else {
            fail(name, .messages(messages))
            return nil
        }
        return value
    }

    /// What `str(data)` gives for the types `CharField` accepts (str, int, float; not bool).
    static func stringValue(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number: return PythonText.str(value)
        default: return nil
        }
    }

    /// `IntegerField`: ints, whole floats and numeric strings (`"8080"`, `"8080.0"`).
    mutating func integer(_ name: String, required: Bool = false, range: ClosedRange<Int64>? = nil) -> Int64? {
        guard let raw = present(name, required: required) else { return nil }
        if case .string(let text) = raw, text.count > RostiLimits.integerStringMaximumLength {
            fail(name, .integerStringTooLong)
            return nil
        }
        guard let value = Self.pythonInt(raw) else {
            fail(name, .invalidInteger)
            return nil
        }
        if let range {
            switch value {
            case .tooLarge: fail(name, .maximumValue(range.upperBound)); return nil
            case .tooSmall: fail(name, .minimumValue(range.lowerBound)); return nil
            case .value(let number) where number > range.upperBound: fail(name, .maximumValue(range.upperBound)); return nil
            case .value(let number) where number < range.lowerBound: fail(name, .minimumValue(range.lowerBound)); return nil
            default: break
            }
        }
        guard case .value(let number) = value else {
            fail(name, .invalidInteger)
            return nil
        }
        return number
    }

    /// An integer Python could hold, when it does not fit 64 bits.
    enum PythonInt: Equatable {
        case value(Int64)
        case tooLarge
        case tooSmall
    }

    /// `int(re.sub(r'\.0*\s*$', '', str(data)))`, as `IntegerField.to_internal_value`.
    static func pythonInt(_ raw: JSONValue) -> PythonInt? {
        let text: String
        switch raw {
        case .number(let number):
            if number.isInteger { return integerLiteral(number.text) }
            let double = number.double
            guard double.isFinite, double == double.rounded(.towardZero) else { return nil }
            if double >= 9.3e18 { return .tooLarge }
            if double <= -9.3e18 { return .tooSmall }
            return .value(Int64(double))
        case .string(let string): text = string
        default: return nil
        }
        // `str` input: strip a ".000" fraction (and whitespace after it), then Python's int():
        // surrounding whitespace, a sign, and underscores between digits are allowed.
        var trimmed = Substring(text)
        while let last = trimmed.last, last.isPythonWhitespace { trimmed = trimmed.dropLast() }
        if let dot = trimmed.lastIndex(of: "."), trimmed[trimmed.index(after: dot)...].allSatisfy({ $0 == "0" }) {
            trimmed = trimmed[..<dot]
        }
        var body = String(trimmed).trimmingPythonWhitespace()
        var negative = false
        if body.hasPrefix("+") || body.hasPrefix("-") {
            negative = body.hasPrefix("-")
            body.removeFirst()
        }
        guard let first = body.first, let last = body.last, first.isASCIIDigit, last.isASCIIDigit,
              !body.contains("__"), body.allSatisfy({ $0.isASCIIDigit || $0 == "_" })
        else { return nil }
        return integerLiteral((negative ? "-" : "") + body.filter { $0 != "_" })
    }

    private static func integerLiteral(_ digits: String) -> PythonInt {
        if let value = Int64(digits) { return .value(value) }
        return digits.hasPrefix("-") ? .tooSmall : .tooLarge
    }

    /// `BooleanField`: `true`/`false`, 1/0 and DRF's words (`"yes"`, `"off"`, `"T"` …).
    mutating func boolean(_ name: String, required: Bool = false) -> Bool? {
        guard let raw = present(name, required: required) else { return nil }
        switch raw {
        case .bool(let flag): return flag
        case .number(let number) where number.double == 1: return true
        case .number(let number) where number.double == 0: return false
        case .string(let text) where Self.trueWords.contains(text): return true
        case .string(let text) where Self.falseWords.contains(text): return false
        default:
            fail(name, .invalidBoolean)
            return nil
        }
    }

    static let trueWords: Set<String> = ["t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1"]
    static let falseWords: Set<String> = ["f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0"]

    /// `ChoiceField`: `str(data)` must be one of the choices.
    mutating func choice(_ name: String, required: Bool = false, of choices: [String]) -> String? {
        guard let raw = present(name, required: required) else { return nil }
        let text = PythonText.str(raw)
        guard choices.contains(text) else {
            fail(name, .invalidChoice(input: text))
            return nil
        }
        return text
    }

    /// `ListField(child=CharField(max_length=…), max_length=…)`; errors of items are keyed
    /// by their index, as DRF reports them.
    mutating func stringList(_ name: String, required: Bool = false, itemMaximumLength: Int, maximumCount: Int) -> [String]? {
        guard let raw = present(name, required: required) else { return nil }
        guard case .array(let items) = raw else {
            fail(name, .notAList(inputType: PythonText.typeName(raw)))
            return nil
        }
        var values: [String] = []
        var itemErrors: [(index: Int, messages: [Message])] = []
        for (index, item) in items.enumerated() {
            guard let text = Self.stringValue(item) else {
                itemErrors.append((index, [item == .null ? .null : .notAString]))
                continue
            }
            let value = text.trimmingPythonWhitespace()
            if value.isEmpty {
                itemErrors.append((index, [.blank]))
            } else if value.unicodeScalars.count > itemMaximumLength {
                itemErrors.append((index, [.maximumLength(itemMaximumLength)]))
            } else {
                values.append(value)
            }
        }
        guard itemErrors.isEmpty else {
            fail(name, .items(itemErrors))
            return nil
        }
        guard values.count <= maximumCount else {
            fail(name, .tooManyItems(maximumCount))
            return nil
        }
        return values
    }

    /// `PrimaryKeyRelatedField`: an id (or numeric string) of an object `exists` accepts.
    /// An empty string counts as null, as in DRF's related fields.
    mutating func primaryKey(_ name: String, required: Bool = false, exists: (Int64) throws -> Bool) throws -> Int64? {
        if case .value(.string("")) = input(name) {
            fail(name, .null)
            return nil
        }
        guard let raw = present(name, required: required) else { return nil }
        let id: Int64?
        switch raw {
        case .number(let number) where number.isInteger:
            id = number.int64
        case .number(let number):
            // Django's int() truncates a float id.
            id = number.double.isFinite && abs(number.double) < 9.2e18 ? Int64(number.double.rounded(.towardZero)) : nil
        case .string(let text):
            let digits = text.trimmingPythonWhitespace()
            let unsigned = digits.hasPrefix("+") || digits.hasPrefix("-") ? digits.dropFirst() : Substring(digits)
            guard !unsigned.isEmpty, unsigned.allSatisfy(\.isASCIIDigit) else {
                fail(name, .primaryKeyIncorrectType(dataType: "str"))
                return nil
            }
            id = Int64(digits.hasPrefix("+") ? String(digits.dropFirst()) : digits)
        default:
            fail(name, .primaryKeyIncorrectType(dataType: PythonText.typeName(raw)))
            return nil
        }
        guard let id, try exists(id) else {
            fail(name, .primaryKeyDoesNotExist(value: PythonText.str(raw)))
            return nil
        }
        return id
    }

    /// `SlugRelatedField(slug_field=…)`: the text of any value must name an object.
    mutating func slug(_ name: String, slugField: String, required: Bool = false, exists: (String) throws -> Bool) throws -> String? {
        guard let raw = present(name, required: required) else { return nil }
        let text = PythonText.str(raw)
        guard try exists(text) else {
            fail(name, .slugDoesNotExist(field: slugField, value: text))
            return nil
        }
        return text
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    /// `str.isspace()` for the characters clients send.
    var isPythonWhitespace: Bool { isWhitespace }
}

extension StringProtocol {
    /// `str.strip()`.
    func trimmingPythonWhitespace() -> String {
        guard let start = firstIndex(where: { !$0.isPythonWhitespace }),
              let end = lastIndex(where: { !$0.isPythonWhitespace })
        else { return "" }
        return String(self[start...end])
    }
}
