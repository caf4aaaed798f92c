/// A small strict JSON parser (RFC 8259) for seed files, written for its error messages:
/// every problem names a line and column, and a key repeated in one object is an error
/// (Foundation's parsers report a character offset and silently keep the last duplicate).
public struct JSONNode: Sendable {
    public enum Value: Sendable {
        case null
        case bool(Bool)
        case integer(Int64)
        case number(Double)
        case string(String)
        case array([JSONNode])
        /// Members in file order.
        case object([(key: String, node: JSONNode)])
    }

    public let value: Value
    public let line: Int

    public var integerValue: Int64? {
        if case .integer(let value) = value { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = value { return value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = value { return value }
        return nil
    }

    public var typeName: String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public let line: Int
    let column: Int
    let problem: String
    var description: String { "line \(line), column \(column): \(problem)" }
}

struct SeedJSONParser {
    private let bytes: [UInt8]
    private var offset = 0
    private var line = 1
    private var lineStart = 0

    static func parse(_ bytes: [UInt8]) throws -> JSONNode {
        var parser = SeedJSONParser(bytes: bytes)
        // A UTF-8 byte order mark is tolerated, as editors on some systems write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.offset = 3 }
        parser.skipWhitespace()
        let root = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.offset == bytes.count else { throw parser.error("unexpected text after the end of the document") }
        return root
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ problem: String) -> JSONSyntaxError {
        JSONSyntaxError(line: line, column: offset - lineStart + 1, problem: problem)
    }

    private var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private mutating func skipWhitespace() {
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                lineStart = offset + 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: return
            }
            offset += 1
        }
    }

    private mutating func expect(_ character: Character, orComma: Bool = false) throws {
        guard current == character.asciiValue else {
            let wanted = orComma ? "',' or '\(character)'" : "'\(character)'"
            throw error(current == nil ? "unexpected end of file, expected \(wanted)" : "expected \(wanted)")
        }
        offset += 1
    }

    private mutating func parseValue() throws -> JSONNode {
        let startLine = line
        guard let byte = current else { throw error("unexpected end of file, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return JSONNode(value: try parseObject(), line: startLine)
        case UInt8(ascii: "["): return JSONNode(value: try parseArray(), line: startLine)
        case UInt8(ascii: "\""): return JSONNode(value: .string(try parseString()), line: startLine)
        case UInt8(ascii: "t"): try parseLiteral("true"); return JSONNode(value: .bool(true), line: startLine)
        case UInt8(ascii: "f"): try parseLiteral("false"); return JSONNode(value: .bool(false), line: startLine)
        case UInt8(ascii: "n"): try parseLiteral("null"); return JSONNode(value: .null, line: startLine)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONNode(value: try parseNumber(), line: startLine)
        default:
            throw error("unexpected character '\(Character(UnicodeScalar(byte)))', expected a value")
        }
    }

    private mutating func parseLiteral(_ word: String) throws {
        let expected = Array(word.utf8)
        guard bytes[offset...].starts(with: expected) else { throw error("invalid literal, expected \(word)") }
        offset += expected.count
    }

    private mutating func parseObject() throws -> JSONNode.Value {
        offset += 1
        var members: [(key: String, node: JSONNode)] = []
        var keyLines: [String: Int] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
            let keyLine = line
            let keyColumn = offset - lineStart + 1
            let key = try parseString()
            if let first = keyLines[key] {
                throw JSONSyntaxError(
                    line: keyLine, column: keyColumn, problem: "duplicate key \"\(key)\" (first on line \(first))")
            }
            keyLines[key] = keyLine
            skipWhitespace()
            try expect(":")
            skipWhitespace()
            members.append((key, try parseValue()))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                offset += 1
                continue
            }
            try expect("}", orComma: true)
            return .object(members)
        }
    }

    private mutating func parseArray() throws -> JSONNode.Value {
        offset += 1
        var elements: [JSONNode] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                offset += 1
                continue
            }
            try expect("]", orComma: true)
            return .array(elements)
        }
    }

    private mutating func parseString() throws -> String {
        offset += 1
        let start = offset
        // Fast path: most strings have no escapes and become one String in one step.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 {
            offset += 1
        }
        if current == UInt8(ascii: "\"") {
            guard let text = String(validating: bytes[start..<offset], as: UTF8.self) else {
                throw error("invalid UTF-8 in a string")
            }
            offset += 1
            return text
        }
        var scalars = String.UnicodeScalarView()
        var runStart = start
        func flushRun(_ parser: SeedJSONParser) throws {
            guard let text = String(validating: parser.bytes[runStart..<parser.offset], as: UTF8.self) else {
                throw parser.error("invalid UTF-8 in a string")
            }
            scalars.append(contentsOf: text.unicodeScalars)
        }
        while true {
            guard let byte = current else { throw error("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                try flushRun(self)
                offset += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flushRun(self)
                offset += 1
                scalars.append(try parseEscape())
                runStart = offset
            case 0..<0x20:
                throw error("control character in a string (write it as an escape such as \\n)")
            default:
                offset += 1
            }
        }
    }

    private mutating func parseEscape() throws -> Unicode.Scalar {
        guard let byte = current else { throw error("unterminated escape") }
        offset += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try parseHexQuad()
            if (0xD800..<0xDC00).contains(first) {
                guard bytes[offset...].starts(with: Array("\\u".utf8)) else { throw error("unpaired surrogate") }
                offset += 2
                let second = try parseHexQuad()
                guard (0xDC00..<0xE000).contains(second) else { throw error("unpaired surrogate") }
                return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(first) else { throw error("unpaired surrogate") }
            return scalar
        default:
            throw error("invalid escape '\\\(Character(UnicodeScalar(byte)))'")
        }
    }

    private mutating func parseHexQuad() throws -> UInt32 {
        guard offset + 4 <= bytes.count,
            let value = UInt32(String(decoding: bytes[offset..<offset + 4], as: UTF8.self), radix: 16)
        else { throw error("expected four hex digits after \\u") }
        offset += 4
        return value
    }

    private mutating func parseNumber() throws -> JSONNode.Value {
        let start = offset
        var isInteger = true
        if current == UInt8(ascii: "-") { offset += 1 }
        func digits(_ parser: inout SeedJSONParser) -> Int {
            let begin = parser.offset
            while let byte = parser.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { parser.offset += 1 }
            return parser.offset - begin
        }
        let integerStart = offset
        guard digits(&self) > 0 else { throw error("expected digits") }
        if bytes[integerStart] == UInt8(ascii: "0") && offset - integerStart > 1 {
            throw error("numbers must not have leading zeros")
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            offset += 1
            guard digits(&self) > 0 else { throw error("expected digits after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard digits(&self) > 0 else { throw error("expected digits in the exponent") }
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        guard let number = Double(text) else { throw error("number out of range") }
        return .number(number)
    }
}
