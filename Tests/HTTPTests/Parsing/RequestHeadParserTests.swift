import Testing
@testable import HTTP
import TestSupport

/// Feeds `text` to a scanner in the given pieces (each piece appended to what came before,
/// as the connection's buffer grows) and parses the head once found.
private func parseHead(_ text: String, splitAt splits: [Int] = [], limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError) -> (RequestHead, length: Int)? {
    let bytes = Array(text.utf8)
    var scanner = RequestHeadScanner(limits: limits)
    for end in splits + [bytes.count] {
        let found: Int?
        do {
            found = try bytes[0..<end].withUnsafeBytes { try scanner.scan($0) }
        } catch let error as HTTPParseError {
            throw error
        } catch {
            fatalError("unexpected \(error)")
        }
        if let length = found {
            let head: RequestHead
            do {
                head = try bytes.withUnsafeBytes { try RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: $0[scanner.headStart..<length])) }
            } catch let error as HTTPParseError {
                throw error
            } catch {
                fatalError("unexpected \(error)")
            }
            return (head, length)
        }
    }
    return nil
}

private func parseError(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
    do {
        _ = try parseHead(text, limits: limits)
        return nil
    } catch {
        return error
    }
}

@Suite struct RequestHeadParserTests {
    @Test func parsesRequestLineAndFieldsInOrderKeepingRepeats() throws {
        let (head, length) = try #require(try parseHead("GET /api/v1/apps/?x=1 HTTP/1.1\r\nHost: a\r\nX-Y:  two words \r\nx-y: again\r\n\r\nBODY"))
        #expect(head.method == .get)
        #expect(head.target == "/api/v1/apps/?x=1")
        #expect(head.version == .http1_1)
        #expect(head.headers.map(\.name) == ["Host", "X-Y", "x-y"])
        #expect(head.headers.map(\.value) == ["a", "two words", "again"])
        #expect(length == "GET /api/v1/apps/?x=1 HTTP/1.1\r\nHost: a\r\nX-Y:  two words \r\nx-y: again\r\n\r\n".utf8.count)
        #expect(HTTPHeaders(head.headers).values(for: "X-Y") == ["two words", "again"])
    }

    @Test func sameResultWhateverTheSplit() throws {
        let text = "POST /upload HTTP/1.1\r\nHost: example\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
        let (whole, wholeLength) = try #require(try parseHead(text))
        for split in 0...text.utf8.count {
            let (head, length) = try #require(try parseHead(text, splitAt: [split]))
            #expect(head == whole && length == wholeLength, "split at \(split)")
        }
        // Byte by byte, as a slow client sends it.
        let (slow, slowLength) = try #require(try parseHead(text, splitAt: Array(0..<text.utf8.count)))
        #expect(slow == whole && slowLength == wholeLength)
    }

    @Test func incompleteHeadAsksForMore() throws {
        #expect(try parseHead("GET / HTTP/1.1\r\nHost: a\r\n") == nil)
    }

    @Test func skipsEmptyLinesBeforeTheRequestLine() throws {
        let (head, _) = try #require(try parseHead("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(head.target == "/")
    }

    @Test func http10AndLaterMinorVersions() throws {
        #expect(try parseHead("GET / HTTP/1.0\r\n\r\n")?.0.version == .http1_0)
        #expect(try parseHead("GET / HTTP/1.7\r\nHost: a\r\n\r\n")?.0.version == .http1_1)
    }

    @Test(arguments: [
        ("GET / HTTP/2.0\r\n\r\n", HTTPStatus.httpVersionNotSupported),
        ("GET / HTTP/0.9\r\n\r\n", .httpVersionNotSupported),
        ("GET / HTTP/1.1\nHost: a\r\n\r\n", .badRequest),             // bare LF
        ("GET / HTTP/1.1\r\nHost: a\n\r\n", .badRequest),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),           // two spaces
        ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .badRequest),
        ("G@T / HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),            // not a token
        ("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("GET /\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("GET /é HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("GET relative HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("GET * HTTP/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("GET / http/1.1\r\nHost: a\r\n\r\n", .badRequest),
        ("GET / HTTP/1.10\r\nHost: a\r\n\r\n", .badRequest),
        ("GET /\r\nHost: a\r\n\r\n", .badRequest),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .badRequest),           // space before colon
        ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", .badRequest), // obs-fold
        ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", .badRequest),
        ("GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n", .badRequest),
        ("GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", .badRequest),       // NUL in value
        ("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", .badRequest),          // CR in value
        ("GET / HTTP/1.1\r\nX: \u{1}\r\nHost: a\r\n\r\n", .badRequest),
    ])
    func refusesMalformedHeads(text: String, status: HTTPStatus) {
        #expect(parseError(text)?.status == status, "\(text.debugDescription)")
    }

    @Test func allowsTabsAndObsTextInValues() throws {
        let (head, _) = try #require(try parseHead("GET / HTTP/1.1\r\nHost: a\r\nX: a\tb \u{E9}\r\n\r\n"))
        #expect(head.headers[1].value == "a\tb \u{E9}")
    }

    @Test func requestLineLimitGives414EvenBeforeTheLineEnds() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        let long = "GET /" + String(repeating: "a", count: 100)
        #expect(parseError(long, limits: limits) == .requestLineTooLong)  // no CRLF yet
        #expect(parseError(long + " HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits) == .requestLineTooLong)
        let fits = "GET /" + String(repeating: "a", count: 50) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(parseError(fits, limits: limits) == nil)
        #expect(HTTPParseError.requestLineTooLong.status == .uriTooLong)
    }

    @Test func headerBytesLimitGives431EvenBeforeTheHeadEnds() {
        var limits = HTTPLimits()
        limits.maxHeaderBytes = 100
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 200)
        #expect(parseError(big, limits: limits) == .headerSectionTooLarge)
        #expect(parseError(big + "\r\n\r\n", limits: limits) == .headerSectionTooLarge)
        #expect(HTTPParseError.headerSectionTooLarge.status == .requestHeaderFieldsTooLarge)
    }

    @Test func headerCountLimitGives431() {
        var limits = HTTPLimits()
        limits.maxHeaderCount = 5
        let fields = (0..<6).map { "X-\($0): v\r\n" }.joined()
        #expect(parseError("GET / HTTP/1.1\r\n" + fields + "\r\n", limits: limits) == .tooManyHeaderFields)
        let five = (0..<5).map { "X-\($0): v\r\n" }.joined()
        #expect(parseError("GET / HTTP/1.1\r\n" + five + "\r\n", limits: limits) == nil)
    }

    @Test func absoluteFormTargetsKeepTheirPath() {
        #expect(Request.split(target: "http://host:8000/api/v1/?a=b") == ("/api/v1/", "a=b"))
        #expect(Request.split(target: "http://host") == ("/", nil))
        #expect(Request.split(target: "/p?") == ("/p", ""))
    }
}
