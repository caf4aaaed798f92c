/// Parses JSON as CPython 3.11's `json.loads` does after DRF's `JSONParser` decoded the bytes
/// as UTF-8: the same values accepted, and the same messages for what is refused
/// (`Expecting value: line 1 column 1 (char 0)`, `Extra data: …`, invalid UTF-8 …).
/// `NaN`/`Infinity` are refused with DRF's strict-mode message; a lone surrogate escape
/// (which Python keeps in its `str`) becomes U+FFFD, since it cannot be stored as UTF-8.
///
/// `Options` say what differs from `json.loads` for a caller that is not emulating Python:
/// how deep arrays and objects may nest, whether a UTF-8 byte order mark is skipped, and
/// whether a key repeated in one object is refused (Python keeps the last value).
///
/// Works on the UTF-8 bytes; positions are converted to Python's character offsets only
/// when a message needs them.
public struct JSONParser {
    public struct Options: Sendable {
        /// Deepest nesting of arrays and objects. Python recurses per level and ends in
        /// `RecursionError`; a named bound keeps a deeply nested document from exhausting a
        /// worker thread's stack.
        public var maximumNesting: Int
        /// Whether a leading UTF-8 byte order mark is skipped (RFC 8259 §8.1 allows it)
        /// rather than refused as `json.loads` refuses it.
        public var skipsByteOrderMark: Bool
        /// Whether a key repeated in one object is refused (`JSONSyntaxError.Problem.duplicateKey`)
        /// rather than replacing the earlier value.
        public var refusesDuplicateKeys: Bool

        public init(maximumNesting: Int = JSONLimits.maximumNesting, skipsByteOrderMark: Bool = false, refusesDuplicateKeys: Bool = false) {
            self.maximumNesting = maximumNesting
            self.skipsByteOrderMark = skipsByteOrderMark
            self.refusesDuplicateKeys = refusesDuplicateKeys
        }
    }

    private let bytes: [UInt8]
    private let options: Options
    private var index = 0
    private var depth = 0
    /// The line `index` is on, from 1: counted as whitespace is skipped (a JSON text has
    /// line breaks nowhere else).
    private var line = 1
    /// The line of every value in document order, when `parseDocument` asked for them.
    private var lines: [Int32]?

    /// The value of a whole document, as `json.loads` reads it (with `options`).
    public static func parse(_ bytes: [UInt8], options: Options = Options()) throws(JSONSyntaxError) -> JSONValue {
        var parser = try JSONParser(bytes: bytes, options: options, recordsLines: false)
        return try parser.parseDocument()
    }

    /// A document with the line each of its values starts on, for messages about a file
    /// people edit. Repeated keys are refused whatever `options` say: a replaced value
    /// would leave its line behind.
    public static func parseDocument(_ bytes: [UInt8], options: Options = Options()) throws(JSONSyntaxError) -> JSONDocument {
        var options = options
        options.refusesDuplicateKeys = true
        var parser = try JSONParser(bytes: bytes, options: options, recordsLines: true)
        let value = try parser.parseDocument()
        return JSONDocument(value: value, lines: parser.lines ?? [])
    }

    private init(bytes: [UInt8], options: Options, recordsLines: Bool) throws(JSONSyntaxError) {
        self.bytes = bytes
        self.options = options
        if recordsLines { lines = [] }
        try validateUTF8()
    }

    // MARK: Document

    private mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard options.skipsByteOrderMark else { throw failure(.byteOrderMark, at: 0) }
            index = 3
        }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if index != bytes.count { throw failure(.extraData, at: index) }
        return value
    }

    /// Python's `scan_once`: what starts at `index`, or "Expecting value" there.
    private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw failure(.expectingValue, at: index) }
        lines?.append(Int32(clamping: line))
        switch bytes[index] {
        case UInt8(ascii: "\""):
            index += 1
            return .string(try parseStringBody())
        case UInt8(ascii: "{"):
            try enterContainer()
            defer { depth -= 1 }
            return try parseObject()
        case UInt8(ascii: "["):
            try enterContainer()
            defer { depth -= 1 }
            return try parseArray()
        case UInt8(ascii: "n") where matches("null"):
            index += 4
            return .null
        case UInt8(ascii: "t") where matches("true"):
            index += 4
            return .bool(true)
        case UInt8(ascii: "f") where matches("false"):
            index += 5
            return .bool(false)
        case UInt8(ascii: "N") where matches("NaN"):
            throw failure(.nonFiniteNumber("NaN"), at: index)
        case UInt8(ascii: "I") where matches("Infinity"):
            throw failure(.nonFiniteNumber("Infinity"), at: index)
        case UInt8(ascii: "-") where matches("-Infinity"):
            throw failure(.nonFiniteNumber("-Infinity"), at: index)
        default:
            return try parseNumber()
        }
    }

    /// Steps over the opening bracket, one level deeper, within the limit.
    private mutating func enterContainer() throws(JSONSyntaxError) {
        guard depth < options.maximumNesting else { throw failure(.tooDeep(limit: options.maximumNesting), at: index) }
        depth += 1
        index += 1
    }

    private func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return word.withUTF8Buffer { word in
            (0..<count).allSatisfy { bytes[index + $0] == word[$0] }
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: break
            case 0x0A: line += 1
            default: return
            }
            index += 1
        }
    }

    // MARK: Containers

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        var object = JSONObject()
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        // Where each key was, for the message about a repeated one.
        var keyLines: [Int] = []
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure(.expectingPropertyName, at: index)
            }
            let keyStart = index
            let keyLine = line
            index += 1
            let key = try parseStringBody()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw failure(.expectingColon, at: index)
            }
            index += 1
            skipWhitespace()
            if options.refusesDuplicateKeys {
                if let first = object.members.firstIndex(where: { $0.key == key }) {
                    throw failure(.duplicateKey(key, firstLine: keyLines[first]), at: keyStart)
                }
                keyLines.append(keyLine)
                object.appendNew(key, try parseValue())
            } else {
                object[key] = try parseValue()
            }
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "}") { break }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else {
                throw failure(.expectingComma(closing: "}"), at: index)
            }
            index += 1
            skipWhitespace()
        }
        index += 1
        return .object(object)
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            items.append(try parseValue())
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "]") { break }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else {
                throw failure(.expectingComma(closing: "]"), at: index)
            }
            index += 1
            skipWhitespace()
        }
        index += 1
        return .array(items)
    }

    // MARK: Strings

    /// After the opening quote; leaves `index` after the closing one.
    private mutating func parseStringBody() throws(JSONSyntaxError) -> String {
        // Most strings have no escapes: take them straight from the bytes (this runs for
        // every stored list an app answer contains).
        var end = index
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            defer { index = end + 1 }
            return String(decoding: bytes[index..<end], as: UTF8.self)
        }
        let begin = index - 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun(upTo end: Int, into scalars: inout String.UnicodeScalarView) {
            if end > runStart { scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars) }
        }
        while true {
            guard index < bytes.count else { throw failure(.unterminatedString, at: begin) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flushRun(upTo: index, into: &scalars)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw failure(.invalidControlCharacter, at: index) }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            flushRun(upTo: index, into: &scalars)
            let backslash = index
            index += 1
            guard index < bytes.count else { throw failure(.unterminatedString, at: begin) }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"): scalars.append(try parseUnicodeEscape(uPosition: backslash + 1))
            default: throw failure(.invalidEscape(character(at: backslash + 1)), at: backslash)
            }
            runStart = index
        }
    }

    /// `\uXXXX`, with a following `\uXXXX` low surrogate joined to a high one. A lone
    /// surrogate (which Python keeps in its `str`) becomes U+FFFD: it cannot be stored as
    /// UTF-8.
    private mutating func parseUnicodeEscape(uPosition: Int) throws(JSONSyntaxError) -> Unicode.Scalar {
        // CPython wants a character after the four digits (at least the closing quote).
        guard index + 4 < bytes.count, let high = hexQuad(at: index) else {
            throw failure(.invalidUnicodeEscape, at: uPosition)
        }
        index += 4
        if (0xD800...0xDBFF).contains(high), index + 6 < bytes.count,
           bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
            guard let low = hexQuad(at: index + 2) else { throw failure(.invalidUnicodeEscape, at: index + 1) }
            if (0xDC00...0xDFFF).contains(low) {
                index += 6
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
            }
        }
        return Unicode.Scalar(high) ?? "\u{FFFD}"
    }

    private func hexQuad(at start: Int) -> UInt32? {
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = Self.hexDigit(bytes[start + offset]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    // MARK: Numbers

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, as CPython's `_match_number`: a
    /// fraction or exponent that is not complete is left for "Extra data".
    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        var cursor = index
        if bytes[cursor] == UInt8(ascii: "-") { cursor += 1 }
        guard cursor < bytes.count else { throw failure(.expectingValue, at: start) }
        if bytes[cursor] == UInt8(ascii: "0") {
            cursor += 1
        } else if Self.isDigit(bytes[cursor]) {
            while cursor < bytes.count && Self.isDigit(bytes[cursor]) { cursor += 1 }
        } else {
            throw failure(.expectingValue, at: start)
        }
        var isInteger = true
        if cursor + 1 < bytes.count, bytes[cursor] == UInt8(ascii: "."), Self.isDigit(bytes[cursor + 1]) {
            isInteger = false
            cursor += 1
            while cursor < bytes.count && Self.isDigit(bytes[cursor]) { cursor += 1 }
        }
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "e") || bytes[cursor] == UInt8(ascii: "E") {
            var exponent = cursor + 1
            if exponent < bytes.count, bytes[exponent] == UInt8(ascii: "-") || bytes[exponent] == UInt8(ascii: "+") { exponent += 1 }
            let digitsStart = exponent
            while exponent < bytes.count && Self.isDigit(bytes[exponent]) { exponent += 1 }
            if exponent > digitsStart {
                isInteger = false
                cursor = exponent
            }
        }
        index = cursor
        return .number(JSONNumber(text: String(decoding: bytes[start..<cursor], as: UTF8.self), isInteger: isInteger))
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    // MARK: Errors

    /// `problem` at a byte offset, placed as Python places it: line, column and offset in
    /// characters (not bytes).
    private func failure(_ problem: JSONSyntaxError.Problem, at byteOffset: Int) -> JSONSyntaxError {
        Self.failure(problem, at: byteOffset, in: bytes)
    }

    private static func failure(_ problem: JSONSyntaxError.Problem, at byteOffset: Int, in bytes: [UInt8]) -> JSONSyntaxError {
        var position = 0
        var lastNewline = -1
        var line = 1
        for byte in bytes[0..<min(byteOffset, bytes.count)] where byte & 0xC0 != 0x80 {
            if byte == 0x0A {
                line += 1
                lastNewline = position
            }
            position += 1
        }
        return JSONSyntaxError(
            problem, line: line, column: position - lastNewline, character: position,
            found: character(at: byteOffset, in: bytes))
    }

    /// The character that starts at a byte offset of valid UTF-8 (nil past the end).
    private func character(at byteOffset: Int) -> Character? {
        Self.character(at: byteOffset, in: bytes)
    }

    private static func character(at byteOffset: Int, in bytes: [UInt8]) -> Character? {
        guard byteOffset < bytes.count else { return nil }
        var end = byteOffset + 1
        while end < bytes.count, end - byteOffset < 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return String(decoding: bytes[byteOffset..<end], as: UTF8.self).first
    }

    /// The first UTF-8 error as Python's decoder words it, placed where it is.
    private func validateUTF8() throws(JSONSyntaxError) {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            let second: ClosedRange<UInt8>
            switch lead {
            case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
            case 0xE0: (length, second) = (3, 0xA0...0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
            case 0xED: (length, second) = (3, 0x80...0x9F)
            case 0xF0: (length, second) = (4, 0x90...0xBF)
            case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
            case 0xF4: (length, second) = (4, 0x80...0x8F)
            default: throw decodeFailure(from: index, to: index + 1, reason: "invalid start byte")
            }
            for offset in 1..<length {
                guard index + offset < bytes.count else {
                    throw decodeFailure(from: index, to: bytes.count, reason: "unexpected end of data")
                }
                let byte = bytes[index + offset]
                guard offset == 1 ? second.contains(byte) : (0x80...0xBF).contains(byte) else {
                    throw decodeFailure(from: index, to: index + offset, reason: "invalid continuation byte")
                }
            }
            index += length
        }
    }

    private func decodeFailure(from start: Int, to end: Int, reason: String) -> JSONSyntaxError {
        let message = end - start == 1
            ? "'utf-8' codec can't decode byte 0x\(JSONString.hex(UInt32(bytes[start]), width: 2)) in position \(start): \(reason)"
            : "'utf-8' codec can't decode bytes in position \(start)-\(end - 1): \(reason)"
        // The bytes before `start` are valid, so Python's way of counting characters holds up to there.
        return failure(.invalidUTF8(message), at: start)
    }
}
