#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The request line and header section of a request, before any body.
struct RequestHead: Equatable {
    var method: HTTPMethod
    var target: String
    var version: HTTPVersion
    var headers: [HTTPHeaders.Field]

    static func == (lhs: RequestHead, rhs: RequestHead) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.version == rhs.version
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// Finds where a request head ends in bytes that arrive piece by piece, enforcing the size
/// limits on the partial input so that a client can never make us buffer more than them.
/// Pure: tested from byte strings split at every boundary.
struct RequestHeadScanner {
    let limits: HTTPLimits
    /// Offset of the request line (leading empty lines are skipped, RFC 9112 §2.2).
    private(set) var headStart = 0
    private var scanned = 0
    private var lineStart = 0
    private var requestLineEnd: Int?
    private var fieldCount = 0

    init(limits: HTTPLimits) { self.limits = limits }

    /// Scans newly available bytes (`bytes` always starts at the beginning of the request).
    /// Returns the length of the whole head including its final empty line once complete.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> Int? {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        while scanned < bytes.count {
            guard let newline = Self.find(lf, in: bytes, from: scanned) else {
                scanned = bytes.count
                break
            }
            scanned = newline + 1
            guard newline > lineStart, bytes[newline - 1] == cr else {
                throw .bareLineFeed
            }
            let lineLength = newline - 1 - lineStart
            if requestLineEnd == nil {
                if lineLength == 0 {
                    // An empty line before the request line (a stray CRLF after a body).
                    if newline + 1 - headStart > 2 * 4 { throw .malformedRequestLine("too many empty lines") }
                    lineStart = newline + 1
                    headStart = lineStart
                    continue
                }
                if lineLength > limits.maxRequestLineBytes { throw .requestLineTooLong }
                requestLineEnd = newline + 1
            } else if lineLength == 0 {
                return newline + 1
            } else {
                fieldCount += 1
                if fieldCount > limits.maxHeaderCount { throw .tooManyHeaderFields }
            }
            lineStart = newline + 1
            try checkFieldBytes(upTo: lineStart)
        }
        // The line in progress already counts against the limits.
        if requestLineEnd == nil {
            if scanned - lineStart > limits.maxRequestLineBytes + 1 { throw .requestLineTooLong }
        } else {
            try checkFieldBytes(upTo: scanned)
        }
        return nil
    }

    private func checkFieldBytes(upTo end: Int) throws(HTTPParseError) {
        if let requestLineEnd, end - requestLineEnd > limits.maxHeaderBytes {
            throw .headerSectionTooLarge
        }
    }

    private static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}

/// Parses a complete head found by `RequestHeadScanner` (RFC 9112 §3, §5).
enum RequestHeadParser {
    static func parse(_ head: UnsafeRawBufferPointer) throws(HTTPParseError) -> RequestHead {
        var lines = LineIterator(bytes: head)
        guard let requestLine = lines.next() else { throw .malformedRequestLine("empty") }
        var (method, target, version) = try parseRequestLine(UnsafeRawBufferPointer(rebasing: head[requestLine]))
        var fields: [HTTPHeaders.Field] = []
        while let line = lines.next(), !line.isEmpty {
            fields.append(try parseField(UnsafeRawBufferPointer(rebasing: head[line])))
        }
        if version.minor > 1 { version = .http1_1 }  // a later 1.x is answered as 1.1 (RFC 9110 §2.5)
        return RequestHead(method: method, target: target, version: version, headers: fields)
    }

    private static func parseRequestLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        let space = UInt8(ascii: " ")
        guard let firstSpace = line.firstIndex(of: space) else { throw .malformedRequestLine("no target") }
        guard let lastSpace = line.lastIndex(of: space), lastSpace > firstSpace + 1 else {
            throw .malformedRequestLine("no target or version")
        }
        let methodBytes = line[..<firstSpace]
        let targetBytes = line[(firstSpace + 1)..<lastSpace]
        let versionBytes = line[(lastSpace + 1)...]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(HTTPGrammar.isTokenCharacter) else {
            throw .malformedRequestLine("invalid method")
        }
        // Visible ASCII only: no spaces (a second space means a malformed line), no controls,
        // no raw non-ASCII (a URI is ASCII; RFC 3986 §2).
        guard targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .malformedRequestLine("invalid request target")
        }
        let target = String(decoding: targetBytes, as: UTF8.self)
        guard target.hasPrefix("/") || target.hasPrefix("http://") || target.hasPrefix("https://") || target == "*" else {
            throw .malformedRequestLine("request target must be a path")
        }
        let version = try parseVersion(UnsafeRawBufferPointer(rebasing: versionBytes))
        let method = HTTPGrammar.knownMethod(methodBytes) ?? HTTPMethod(String(decoding: methodBytes, as: UTF8.self))
        if target == "*" && method != .options { throw .malformedRequestLine("* is only for OPTIONS") }
        return (method, target, version)
    }

    private static func parseVersion(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> HTTPVersion {
        // HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
        let text = String(decoding: bytes, as: UTF8.self)
        guard bytes.count == 8, text.hasPrefix("HTTP/"), bytes[6] == UInt8(ascii: "."),
              let major = PercentDecoding.digitValue(bytes[5]), let minor = PercentDecoding.digitValue(bytes[7])
        else { throw .malformedRequestLine("invalid HTTP version") }
        guard major == 1 else { throw .unsupportedVersion(text) }
        return HTTPVersion(major: major, minor: minor)
    }

    private static func parseField(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> HTTPHeaders.Field {
        guard let first = line.first else { throw .malformedHeaderField("empty") }
        if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformedHeaderField("no colon") }
        let nameBytes = line[..<colon]
        // No whitespace between name and colon (RFC 9112 §5.1: MUST reject with 400).
        guard !nameBytes.isEmpty, nameBytes.allSatisfy(HTTPGrammar.isTokenCharacter) else {
            throw .malformedHeaderField("invalid field name")
        }
        var valueStart = colon + 1, valueEnd = line.count
        while valueStart < valueEnd, HTTPGrammar.isWhitespace(line[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, HTTPGrammar.isWhitespace(line[valueEnd - 1]) { valueEnd -= 1 }
        let valueBytes = line[valueStart..<valueEnd]
        // field-vchar / SP / HTAB / obs-text; CR, LF, NUL and other controls are refused.
        guard valueBytes.allSatisfy(HTTPGrammar.isFieldValueCharacter) else {
            throw .malformedHeaderField("invalid character in value")
        }
        let name = HTTPGrammar.knownFieldName(nameBytes) ?? String(decoding: nameBytes, as: UTF8.self)
        return (name: name, value: String(decoding: valueBytes, as: UTF8.self))
    }
}

/// Walks CRLF-terminated lines (the scanner has already refused bare LF).
private struct LineIterator {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    mutating func next() -> Range<Int>? {
        var index = position
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "\r") && bytes[index + 1] == UInt8(ascii: "\n") {
                let line = position..<index
                position = index + 2
                return line
            }
            index += 1
        }
        return nil
    }
}

/// Character classes of RFC 9110 §5.6.
enum HTTPGrammar {
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    static func isFieldValueCharacter(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }

    /// Shares the strings of common methods instead of allocating one per request.
    static func knownMethod(_ bytes: UnsafeRawBufferPointer.SubSequence) -> HTTPMethod? {
        for method in [HTTPMethod.get, .post, .put, .delete, .head, .patch, .options]
        where method.rawValue.utf8.elementsEqual(bytes) {
            return method
        }
        return nil
    }

    private static let commonFieldNames = [
        "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Connection",
        "Content-Length", "Content-Type", "Authorization", "Transfer-Encoding", "Expect",
        "If-None-Match", "Range", "Cookie",
    ]

    /// Shares the strings of common field names in their usual spelling.
    static func knownFieldName(_ bytes: UnsafeRawBufferPointer.SubSequence) -> String? {
        commonFieldNames.first { $0.utf8.elementsEqual(bytes) }
    }
}

extension PercentDecoding {
    static func digitValue(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
