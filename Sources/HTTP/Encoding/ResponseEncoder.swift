/// What follows a response's head on the wire (RFC 9112 §6.3).
enum ResponseFraming: Equatable {
    /// Nothing: a HEAD answer, or a status without content (1xx, 204, 304).
    case none
    /// Exactly this many bytes, as `Content-Length` said.
    case length(Int64)
    /// Chunks, ended by the last chunk (`Transfer-Encoding: chunked`).
    case chunked
    /// Bytes until the connection closes: an HTTP/1.0 client, content of unknown length.
    case untilClose
}

/// The request facts the head depends on; nil where the request could not be parsed.
struct ResponseContext {
    var version: HTTPVersion
    var method: HTTPMethod
    /// Sent back as `X-Request-Id` unless the response names one.
    var requestID: String
}

/// Writes response heads and the chunked framing as bytes, without a socket: the status
/// line, the handler's fields (made safe), `Date`, `X-Request-Id`, and the framing decisions
/// — `Content-Length`, chunked or close-delimited, `Connection: close` or `keep-alive` —
/// from the response, the request's version and method, and whether the connection may
/// stay open. `Connection` sends what it writes; tests read it byte for byte.
///
/// Written straight into the output bytes: building the head as an interpolated String was
/// a measured hot spot.
enum ResponseEncoder {
    /// Appends the head of `response` to `output`; returns what must follow it and whether
    /// the connection stays open after it. `keepAlive` is what the caller wants: it turns
    /// false when the content can only be delimited by closing.
    static func encodeHead(
        of response: Response, for request: ResponseContext?, keepAlive: Bool, date: String,
        into output: inout [UInt8]
    ) -> (framing: ResponseFraming, keepAlive: Bool) {
        let version = request?.version ?? .http1_1
        let hasContent = response.status.allowsContent
        var keepAlive = keepAlive
        var framing = ResponseFraming.none
        output.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(Int64(response.status.code), to: &output)
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: response.status.reasonPhrase.utf8)
        output.append(contentsOf: lineEnd)
        for field in response.headers {
            if field.name.equalsIgnoringASCIICase("Content-Length") || field.name.equalsIgnoringASCIICase("Transfer-Encoding")
                || field.name.equalsIgnoringASCIICase("Connection") {
                continue
            }
            appendField(field.name, safeFieldValue(field.value), to: &output)
        }
        if !response.headers.contains("Date") { appendField("Date", date, to: &output) }
        // The id of the request's log lines, so a client-side failure can be found in ours.
        if let request, !response.headers.contains("X-Request-Id") { appendField("X-Request-Id", request.requestID, to: &output) }
        if hasContent {
            if let length = response.body.knownLength {
                output.append(contentsOf: "Content-Length: ".utf8)
                appendDecimal(length, to: &output)
                output.append(contentsOf: lineEnd)
                framing = .length(length)
            } else if version == .http1_1 {
                appendField("Transfer-Encoding", "chunked", to: &output)
                framing = .chunked
            } else {
                keepAlive = false  // an HTTP/1.0 client reads to the close
                framing = .untilClose
            }
        }
        if !keepAlive {
            appendField("Connection", "close", to: &output)
        } else if version == .http1_0 {
            appendField("Connection", "keep-alive", to: &output)
        }
        output.append(contentsOf: lineEnd)
        // A HEAD answer announces the framing the GET answer would have, and sends nothing.
        if request?.method == .head { framing = .none }
        return (framing, keepAlive)
    }

    /// The line before a chunk of `count` bytes (RFC 9112 §7.1): its size in hex.
    static func chunkHeader(count: Int) -> [UInt8] {
        Array("\(String(count, radix: 16))\r\n".utf8)
    }

    /// The last chunk, with no trailer fields.
    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    /// The interim answer to `Expect: 100-continue`, sent when the handler first reads.
    static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// CR LF, which ends every line of a head and every chunk (RFC 9112 §2.1, §7.1).
    static let lineEnd: [UInt8] = [13, 10]

    /// A value with CR or LF would split the response (response splitting); controls are
    /// replaced with a space.
    static func safeFieldValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) else { return value }
        return String(decoding: value.utf8.map { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F ? 0x20 : $0 }, as: UTF8.self)
    }

    private static func appendField(_ name: String, _ value: String, to output: inout [UInt8]) {
        output.append(contentsOf: name.utf8)
        output.append(UInt8(ascii: ":"))
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: value.utf8)
        output.append(contentsOf: lineEnd)
    }

    private static func appendDecimal(_ value: Int64, to output: inout [UInt8]) {
        if value < 10 {
            output.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            output.append(contentsOf: buffer[(20 - count)...])
        }
    }
}
