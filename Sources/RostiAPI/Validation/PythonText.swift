import JSON

/// How Python writes values into messages. DRF's error texts interpolate the client's input
/// with `str()` and name types with `type(x).__name__` (`"5" is not a valid choice.`,
/// `Expected a list of items but got type "str".`), so an emulator must write them the same.
enum PythonText {
    /// `type(value).__name__` of what Python's `json` makes of the value.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .number(let number): return number.isInteger ? "int" : "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }

    /// `str(value)`.
    static func str(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return repr(value)
    }

    /// `repr(value)`.
    static func repr(_ value: JSONValue) -> String {
        switch value {
        case .null: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .number(let number):
            if number.isInteger { return integerText(number.text) }
            return JSONNumber.floatRepr(number.double)
        case .string(let text): return stringRepr(text)
        case .array(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
        case .object(let object):
            return "{" + object.members.map { stringRepr($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// An integer literal as Python prints the int it makes (`-0` → `0`; any size).
    static func integerText(_ literal: String) -> String {
        literal == "-0" ? "0" : literal
    }

    /// `repr(str)`: single quotes unless the text has a single quote and no double quote.
    static func stringRepr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var result = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where Character(scalar) == quote: result += "\\" + String(quote)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\x" + hex(scalar.value, width: 2)
            default: result.unicodeScalars.append(scalar)
            }
        }
        result.append(quote)
        return result
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
