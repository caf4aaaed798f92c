/// Byte classes of header syntax shared by the Content-Type and part header parsers.
enum HeaderByte {
    static let carriageReturn = UInt8(ascii: "\r")
    static let lineFeed = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
    static let semicolon = UInt8(ascii: ";")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let dash = UInt8(ascii: "-")

    /// SP or HTAB: RFC 9110 §5.6.3 OWS, and RFC 2046 §5.1.1 transport padding (LWSP-char).
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab
    }

    /// RFC 9110 §5.6.2 `tchar`, the characters of a field name or a parameter name.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Controls other than HTAB: RFC 9110 §5.5 admits none in a field value, and a CR, LF or
    /// NUL inside a line can only come from a broken client or an attempt to smuggle a header.
    static func isForbiddenControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != tab) || byte == 0x7F
    }

    static func trimmingWhitespace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }),
            let last = bytes.lastIndex(where: { !isWhitespace($0) })
        else { return bytes[bytes.endIndex...] }
        return bytes[first...last]
    }

    static func string(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// A header value of the form `value *( OWS ";" OWS [ name "=" value ] )`: Content-Type
/// (RFC 9110 §8.3.1, parameters §5.6.6) and Content-Disposition (RFC 7578 §4.2, RFC 6266 §4.1).
///
/// Leniencies, none of which makes a value mean two things: whitespace around `=`; an
/// unquoted value may hold any byte but whitespace, `;`, `"` and controls (so `==_Part_1`
/// and `file_store[file]`, which are not RFC 9110 tokens, still parse), and may be empty.
struct ParameterizedHeaderValue {
    struct Parameter {
        /// Lowercased: parameter names are case-insensitive (RFC 9110 §5.6.6).
        let name: String
        let value: String
    }

    enum Lookup: Equatable {
        case absent
        case unique(String)
        /// Given twice: which one a client meant is unknowable, so callers reject it.
        case repeated
    }

    /// The text before the first `;`, trimmed (a media type or a disposition type).
    let value: String
    let parameters: [Parameter]

    /// The leading value alone, readable even when the parameters that follow are malformed.
    static func leadingValue(of text: String) -> String {
        let bytes = Array(text.utf8)
        let end = bytes.firstIndex(of: HeaderByte.semicolon) ?? bytes.endIndex
        return HeaderByte.string(HeaderByte.trimmingWhitespace(bytes[..<end]))
    }

    /// Returns nil when the parameter list does not parse.
    init?(parsing text: String) {
        let bytes = Array(text.utf8)
        var index = bytes.firstIndex(of: HeaderByte.semicolon) ?? bytes.endIndex
        value = HeaderByte.string(HeaderByte.trimmingWhitespace(bytes[..<index]))
        var parameters: [Parameter] = []

        func skipWhitespace() {
            while index < bytes.endIndex, HeaderByte.isWhitespace(bytes[index]) { index += 1 }
        }

        while index < bytes.endIndex {
            index += 1  // the `;`
            skipWhitespace()
            // RFC 9110 §5.6.6 allows empty list elements: `;;` and a trailing `;`.
            if index == bytes.endIndex || bytes[index] == HeaderByte.semicolon { continue }

            let nameStart = index
            while index < bytes.endIndex, HeaderByte.isTokenCharacter(bytes[index]) { index += 1 }
            guard index > nameStart else { return nil }
            let name = HeaderByte.string(bytes[nameStart..<index]).lowercased()
            skipWhitespace()
            guard index < bytes.endIndex, bytes[index] == HeaderByte.equals else { return nil }
            index += 1
            skipWhitespace()

            let parameterValue: [UInt8]
            if index < bytes.endIndex, bytes[index] == HeaderByte.quote {
                guard let (unquoted, end) = Self.quotedString(bytes, openingAt: index) else { return nil }
                parameterValue = unquoted
                index = end
            } else {
                let valueStart = index
                while index < bytes.endIndex, Self.isUnquotedValueByte(bytes[index]) { index += 1 }
                parameterValue = Array(bytes[valueStart..<index])
            }
            skipWhitespace()
            guard index == bytes.endIndex || bytes[index] == HeaderByte.semicolon else { return nil }
            parameters.append(Parameter(name: name, value: HeaderByte.string(parameterValue)))
        }
        self.parameters = parameters
    }

    func parameter(_ name: String) -> Lookup {
        let values = parameters.lazy.filter { $0.name == name }.map(\.value)
        var iterator = values.makeIterator()
        guard let first = iterator.next() else { return .absent }
        return iterator.next() == nil ? .unique(first) : .repeated
    }

    private static func isUnquotedValueByte(_ byte: UInt8) -> Bool {
        !HeaderByte.isWhitespace(byte) && !HeaderByte.isForbiddenControl(byte)
            && byte != HeaderByte.semicolon && byte != HeaderByte.quote
    }

    /// Reads the RFC 9110 §5.6.4 quoted-string opening at `start`; returns its content and the
    /// index after the closing quote, or nil when it is not closed or holds a control.
    ///
    /// A backslash escapes only `"` and `\`; before anything else it is kept as itself. Old
    /// Internet Explorer sends full Windows paths unescaped (`filename="C:\dir\file.txt"`),
    /// and no conforming client escapes a character that needs no escaping, so this reads
    /// both correctly (Go's `mime` package makes the same call).
    private static func quotedString(_ bytes: [UInt8], openingAt start: Int) -> ([UInt8], end: Int)? {
        var content: [UInt8] = []
        var index = start + 1
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case HeaderByte.quote:
                return (content, index + 1)
            case HeaderByte.backslash
            where index + 1 < bytes.endIndex
                && (bytes[index + 1] == HeaderByte.quote || bytes[index + 1] == HeaderByte.backslash):
                content.append(bytes[index + 1])
                index += 2
            case _ where HeaderByte.isForbiddenControl(byte):
                return nil
            default:
                content.append(byte)
                index += 1
            }
        }
        return nil
    }
}
