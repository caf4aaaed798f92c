/// How a `JSONWriter` lays out a value: separators, indentation, which characters of a
/// string are escaped, and how numbers are written. One preset per format Rostra serves.
public struct JSONFormat: Sendable {
    public enum Escaping: Sendable {
        /// Python's `json.dumps` with `ensure_ascii=False`: `\b`, `\f`, `\n`, `\r`, `\t`,
        /// other control characters as `\u00XX`, and (as DRF's renderer adds) U+2028 and
        /// U+2029 as `\u2028`/`\u2029` so the output is also valid JavaScript.
        case python
        /// Only what JSON requires: `\"`, `\\`, `\n`, `\r`, `\t`, and every other control
        /// character as `\u00XX`.
        case minimal
    }

    public enum Numbers: Sendable {
        /// The literal as parsed or made (`3.50` stays `3.50`, `10.0` stays `10.0`).
        case asWritten
        /// As the double they are, as JavaScript writes one: whole numbers up to 2^53
        /// without a fraction (`3`), others in Swift's shortest form that reads back as the
        /// same double (`0.5`, `1e+300`); infinities and NaN, which JSON lacks, as `null`.
        case asDoubles
    }

    public var escaping: Escaping
    public var numbers: Numbers
    /// `", "` between items and `": "` after keys, rather than `,` and `:`.
    public var spaced: Bool
    /// Two spaces per level, one member or element a line, `": "` after keys, empty
    /// containers as `[]` and `{}`, and a newline at the end of the document.
    public var indented: Bool

    public init(escaping: Escaping, numbers: Numbers, spaced: Bool = false, indented: Bool = false) {
        self.escaping = escaping
        self.numbers = numbers
        self.spaced = spaced
        self.indented = indented
    }

    /// DRF's `JSONRenderer` with its defaults (`{"id":1,"name":"x"}`): the Rosti API's
    /// answers, and the JSON text it stores in its columns.
    public static let djangoREST = JSONFormat(escaping: .python, numbers: .asWritten)
    /// The admin API's answers and messages: compact, numbers as doubles.
    public static let compact = JSONFormat(escaping: .minimal, numbers: .asDoubles)
    /// The Rosa File Store's answers as its reference shows them (`{"status": 404, "message": …}`).
    public static let spaced = JSONFormat(escaping: .minimal, numbers: .asWritten, spaced: true)
    /// The OpenAPI documents, served and kept under docs/openapi/ so that a diff reads well.
    public static let indented = JSONFormat(escaping: .minimal, numbers: .asDoubles, indented: true)
}

/// Writes a `JSONValue` in a `JSONFormat`, keys in the order the object keeps them.
public enum JSONWriter {
    public static func bytes(_ value: JSONValue, _ format: JSONFormat) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, format, into: &output)
        return output
    }

    /// The bytes as a `String` (for messages and stored JSON text).
    public static func text(_ value: JSONValue, _ format: JSONFormat) -> String {
        String(decoding: bytes(value, format), as: UTF8.self)
    }

    public static func write(_ value: JSONValue, _ format: JSONFormat, into output: inout [UInt8]) {
        if format.indented {
            writeIndented(value, format, level: 0, into: &output)
            output.append(UInt8(ascii: "\n"))
        } else {
            writeFlat(value, format, into: &output)
        }
    }

    private static func writeFlat(_ value: JSONValue, _ format: JSONFormat, into output: inout [UInt8]) {
        switch value {
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { separateItems(format, into: &output) }
                writeFlat(item, format, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (position, member) in object.members.enumerated() {
                if position > 0 { separateItems(format, into: &output) }
                writeString(member.key, format.escaping, into: &output)
                output.append(UInt8(ascii: ":"))
                if format.spaced { output.append(UInt8(ascii: " ")) }
                writeFlat(member.value, format, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        default:
            writeScalar(value, format, into: &output)
        }
    }

    private static func separateItems(_ format: JSONFormat, into output: inout [UInt8]) {
        output.append(UInt8(ascii: ","))
        if format.spaced { output.append(UInt8(ascii: " ")) }
    }

    private static func writeIndented(_ value: JSONValue, _ format: JSONFormat, level: Int, into output: inout [UInt8]) {
        switch value {
        case .array(let items) where !items.isEmpty:
            output.append(contentsOf: "[\n".utf8)
            for (position, item) in items.enumerated() {
                indent(level + 1, into: &output)
                writeIndented(item, format, level: level + 1, into: &output)
                output.append(contentsOf: (position < items.count - 1 ? ",\n" : "\n").utf8)
            }
            indent(level, into: &output)
            output.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            output.append(contentsOf: "{\n".utf8)
            for (position, member) in object.members.enumerated() {
                indent(level + 1, into: &output)
                writeString(member.key, format.escaping, into: &output)
                output.append(contentsOf: ": ".utf8)
                writeIndented(member.value, format, level: level + 1, into: &output)
                output.append(contentsOf: (position < object.count - 1 ? ",\n" : "\n").utf8)
            }
            indent(level, into: &output)
            output.append(UInt8(ascii: "}"))
        default:
            writeFlat(value, format, into: &output)
        }
    }

    private static func indent(_ level: Int, into output: inout [UInt8]) {
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
    }

    private static func writeScalar(_ value: JSONValue, _ format: JSONFormat, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            switch format.numbers {
            case .asWritten: output.append(contentsOf: number.text.utf8)
            case .asDoubles: output.append(contentsOf: doubleText(number.double).utf8)
            }
        case .string(let text): writeString(text, format.escaping, into: &output)
        case .array, .object: writeFlat(value, format, into: &output)
        }
    }

    /// A double as `JSONFormat.Numbers.asDoubles` writes it.
    public static func doubleText(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
            return String(Int64(number))
        }
        return "\(number)"
    }

    static func writeString(_ text: String, _ escaping: JSONFormat.Escaping, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
                case 0x0A: output.append(contentsOf: #"\n"#.utf8)
                case 0x0D: output.append(contentsOf: #"\r"#.utf8)
                case 0x09: output.append(contentsOf: #"\t"#.utf8)
                case 0x08 where escaping == .python: output.append(contentsOf: #"\b"#.utf8)
                case 0x0C where escaping == .python: output.append(contentsOf: #"\f"#.utf8)
                case 0x00..<0x20: output.append(contentsOf: ("\\u" + JSONString.hex(UInt32(byte), width: 4)).utf8)
                // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
                case 0xE2 where escaping == .python && index + 2 < utf8.count && utf8[index + 1] == 0x80
                    && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9):
                    output.append(contentsOf: (utf8[index + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#).utf8)
                    index += 2
                default: output.append(byte)
                }
                index += 1
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// One string as a JSON string literal, for messages that quote what they were given
/// (`"x" is not a tenant name`) and for the small bodies the HTTP engine writes.
public enum JSONString {
    /// `text` in double quotes, escaped as `JSONFormat.Escaping.minimal` says.
    public static func quote(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + 2)
        JSONWriter.writeString(text, .minimal, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Lowercase hexadecimal, zero-padded to `width` digits (`\u001f`, `0xff`).
    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
