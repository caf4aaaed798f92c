@testable import HTTP
import Testing

/// Response heads and framing as bytes, without a socket (RFC 9112 §6, §7, §9).
@Suite struct ResponseEncoderTests {
    static let date = "Sun, 06 Nov 1994 08:49:37 GMT"

    private func encode(
        _ response: Response, version: HTTPVersion = .http1_1, method: HTTPMethod = .get, parsed: Bool = true,
        keepAlive: Bool = true
    ) -> (head: String, framing: ResponseFraming, keepAlive: Bool) {
        var bytes: [UInt8] = []
        let request = parsed ? ResponseContext(version: version, method: method, requestID: "t-1") : nil
        let (framing, keptAlive) = ResponseEncoder.encodeHead(
            of: response, for: request, keepAlive: keepAlive, date: Self.date, into: &bytes)
        return (String(decoding: bytes, as: UTF8.self), framing, keptAlive)
    }

    private let hello = Response(contentType: "text/plain", bytes: Array("hello".utf8))

    private func stream(length: Int64?) -> Response {
        Response(body: .stream(length: length) { try $0.write(Array("hi".utf8)) })
    }

    @Test func aKeptAliveAnswerWithALength() {
        let encoded = encode(hello)
        #expect(encoded.head == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: \(Self.date)\r\nX-Request-Id: t-1\r\nContent-Length: 5\r\n\r\n")
        #expect(encoded.framing == .length(5))
        #expect(encoded.keepAlive)
    }

    @Test func headAnnouncesTheLengthAndSendsNothing() {
        let encoded = encode(hello, method: .head)
        #expect(encoded.head.contains("\r\nContent-Length: 5\r\n"))
        #expect(encoded.framing == .none)
        let streamed = encode(stream(length: nil), method: .head)
        #expect(streamed.head.contains("\r\nTransfer-Encoding: chunked\r\n"))
        #expect(streamed.framing == .none)
    }

    @Test func anUnknownLengthIsChunkedFor11AndCloseDelimitedFor10() {
        let eleven = encode(stream(length: nil))
        #expect(eleven.head.hasSuffix("X-Request-Id: t-1\r\nTransfer-Encoding: chunked\r\n\r\n"))
        #expect(eleven.framing == .chunked)
        #expect(eleven.keepAlive)

        let ten = encode(stream(length: nil), version: .http1_0)
        #expect(ten.head.hasSuffix("X-Request-Id: t-1\r\nConnection: close\r\n\r\n"))
        #expect(!ten.head.contains("Transfer-Encoding"))
        #expect(ten.framing == .untilClose)
        #expect(!ten.keepAlive)

        let known = encode(stream(length: 2))
        #expect(known.head.contains("\r\nContent-Length: 2\r\n"))
        #expect(known.framing == .length(2))
    }

    @Test func connectionFieldFollowsTheVersionAndTheDecision() {
        #expect(!encode(hello).head.contains("Connection:"))
        #expect(encode(hello, keepAlive: false).head.hasSuffix("Content-Length: 5\r\nConnection: close\r\n\r\n"))
        #expect(encode(hello, version: .http1_0).head.hasSuffix("Content-Length: 5\r\nConnection: keep-alive\r\n\r\n"))
        let closing = encode(hello, version: .http1_0, keepAlive: false)
        #expect(closing.head.hasSuffix("Connection: close\r\n\r\n"))
        #expect(!closing.keepAlive)
    }

    @Test(arguments: [100, 101, 204, 304])
    func statusesWithoutContentHaveNoFraming(code: Int) {
        let encoded = encode(Response(status: HTTPStatus(code: code), body: .bytes(Array("ignored".utf8))))
        #expect(encoded.head.hasPrefix("HTTP/1.1 \(code) "))
        #expect(!encoded.head.contains("Content-Length"))
        #expect(!encoded.head.contains("Transfer-Encoding"))
        #expect(encoded.framing == .none)
    }

    @Test func theEngineOwnsTheFramingFields() {
        let response = Response(
            headers: ["Content-Length": "999", "Transfer-Encoding": "gzip", "Connection": "upgrade", "X-Kept": "1"],
            body: .bytes(Array("abc".utf8)))
        let head = encode(response).head
        #expect(head == "HTTP/1.1 200 OK\r\nX-Kept: 1\r\nDate: \(Self.date)\r\nX-Request-Id: t-1\r\nContent-Length: 3\r\n\r\n")
    }

    @Test func aHandlersDateAndRequestIdAreKept() {
        let response = Response(headers: ["Date": "Mon, 01 Jan 2024 00:00:00 GMT", "X-Request-Id": "mine"])
        let head = encode(response).head
        #expect(head == "HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nX-Request-Id: mine\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func anUnparsedRequestGetsNoRequestIdAndAnHTTP11Head() {
        let encoded = encode(Response(status: .badRequest, body: .bytes(Array("{}".utf8))), parsed: false, keepAlive: false)
        #expect(encoded.head == "HTTP/1.1 400 Bad Request\r\nDate: \(Self.date)\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")
        #expect(encoded.framing == .length(2))
    }

    @Test func controlCharactersInValuesCannotSplitTheResponse() {
        let head = encode(Response(headers: ["X-Evil": "a\r\nSet-Cookie: x=1\u{7F}\tz"])).head
        #expect(head.contains("\r\nX-Evil: a  Set-Cookie: x=1 \tz\r\n"))
        #expect(!head.contains("\r\nSet-Cookie"))
    }

    @Test func statusCodesAndLengthsAreWrittenInDecimal() {
        let custom = encode(Response(status: HTTPStatus(code: 418, reasonPhrase: "I'm a teapot"), body: .stream(length: 1_234_567_890_123) { _ in }))
        #expect(custom.head.hasPrefix("HTTP/1.1 418 I'm a teapot\r\n"))
        #expect(custom.head.contains("\r\nContent-Length: 1234567890123\r\n"))
        #expect(encode(Response(body: .bytes([1]))).head.contains("\r\nContent-Length: 1\r\n"))
        #expect(encode(Response(body: .bytes(Array(repeating: 0, count: 10)))).head.contains("\r\nContent-Length: 10\r\n"))
    }

    @Test func chunkFraming() {
        #expect(ResponseEncoder.chunkHeader(count: 255) == Array("ff\r\n".utf8))
        #expect(ResponseEncoder.chunkHeader(count: 16 * 1024) == Array("4000\r\n".utf8))
        #expect(ResponseEncoder.lastChunk == Array("0\r\n\r\n".utf8))
        #expect(ResponseEncoder.continueLine == Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }
}
