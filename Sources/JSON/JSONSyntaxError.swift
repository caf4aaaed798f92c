/// Bytes that are not a JSON document, with where and why.
///
/// It has two wordings. `reason` is what CPython 3.11's `json.loads` says (the text of the
/// exception, as `str()` shows it): DRF answers a body that is not JSON with
/// `JSON parse error - <reason>`, and clients and tests match on it. `explanation` is ours,
/// for files people edit (seed files), whose messages put the line and column first.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case expectingValue
        case expectingPropertyName
        case expectingColon
        /// After a member or an element: `,` or the container's `closing` bracket.
        case expectingComma(closing: Character)
        case extraData
        case unterminatedString
        case invalidControlCharacter
        /// A backslash followed by `character` (nil at the end of the bytes).
        case invalidEscape(Character?)
        case invalidUnicodeEscape
        case byteOrderMark
        /// `NaN`, `Infinity` or `-Infinity`, which DRF's strict parser refuses.
        case nonFiniteNumber(String)
        case tooDeep(limit: Int)
        /// Python's UTF-8 decoder's own words, e.g.
        /// `'utf-8' codec can't decode byte 0xff in position 0: invalid start byte`.
        case invalidUTF8(String)
        /// A key repeated in one object, where `JSONParser.Options.refusesDuplicateKeys`.
        case duplicateKey(String, firstLine: Int)
    }

    public let problem: Problem
    /// Where, as Python counts: the line (from 1), the column in characters (from 1) and
    /// the character offset (from 0).
    public let line: Int
    public let column: Int
    public let character: Int
    /// The character found where the problem is; nil at the end of the bytes.
    public let found: Character?

    public init(_ problem: Problem, line: Int, column: Int, character: Int, found: Character?) {
        self.problem = problem
        self.line = line
        self.column = column
        self.character = character
        self.found = found
    }

    /// `str()` of the exception CPython 3.11's `json.loads` raises for the same bytes.
    public var reason: String {
        let position = ": line \(line) column \(column) (char \(character))"
        switch problem {
        case .expectingValue: return "Expecting value" + position
        case .expectingPropertyName: return "Expecting property name enclosed in double quotes" + position
        case .expectingColon: return "Expecting ':' delimiter" + position
        case .expectingComma: return "Expecting ',' delimiter" + position
        case .extraData: return "Extra data" + position
        case .unterminatedString: return "Unterminated string starting at" + position
        case .invalidControlCharacter: return "Invalid control character at" + position
        case .invalidEscape: return "Invalid \\escape" + position
        case .invalidUnicodeEscape: return "Invalid \\uXXXX escape" + position
        case .byteOrderMark: return "Unexpected UTF-8 BOM (decode using utf-8-sig)" + position
        case .nonFiniteNumber(let literal): return "Out of range float values are not valid JSON: '\(literal)'"
        case .tooDeep: return "maximum recursion depth exceeded while decoding a JSON document"
        case .invalidUTF8(let message): return message
        case .duplicateKey(let key, let firstLine): return "Duplicate key \(JSONString.quote(key)) (first on line \(firstLine))" + position
        }
    }

    /// The problem in plain words, without the position: `expected ',' or '}'`.
    public var explanation: String {
        let atEnd = found == nil ? "unexpected end of file, " : ""
        switch problem {
        case .expectingValue:
            switch found {
            case nil: return "unexpected end of file, expected a value"
            case "t": return "invalid literal, expected true"
            case "f": return "invalid literal, expected false"
            case "n": return "invalid literal, expected null"
            case let found?: return "unexpected character '\(found)', expected a value"
            }
        case .expectingPropertyName: return atEnd + "expected a quoted key"
        case .expectingColon: return atEnd + "expected ':'"
        case .expectingComma(let closing): return atEnd + "expected ',' or '\(closing)'"
        case .extraData: return "unexpected text after the end of the document"
        case .unterminatedString: return "unterminated string"
        case .invalidControlCharacter: return "control character in a string (write it as an escape such as \\n)"
        case .invalidEscape(let character): return "invalid escape '\\\(character.map(String.init) ?? "")'"
        case .invalidUnicodeEscape: return "expected four hex digits after \\u"
        case .byteOrderMark: return "unexpected byte order mark"
        case .nonFiniteNumber(let literal): return "\(literal) is not a JSON number"
        case .tooDeep(let limit): return "arrays and objects nested deeper than \(limit) levels"
        case .invalidUTF8: return "invalid UTF-8"
        case .duplicateKey(let key, let firstLine): return "duplicate key \(JSONString.quote(key)) (first on line \(firstLine))"
        }
    }

    public var description: String { reason }
}
