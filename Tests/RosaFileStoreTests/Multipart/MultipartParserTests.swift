import Testing

@testable import RosaFileStore

/// Every body here is parsed whole, split in two at every position, byte by byte and in small
/// chunks (`parseEveryWay`), and must give the same events and error every way.
@Suite struct MultipartParserTests {
    // MARK: What real clients send

    @Test func readsTheBodyTheABFConsoleClientSends() throws {
        // abf/api/jsn.py: boundary = uuid.uuid4().hex, the path as given on the command line,
        // the content, CRLF, the close delimiter and CRLF.
        let hex = "3f2b8c1d9e0a4f6b8d7c5e3a1b2c4d6e"
        let boundary = try MultipartBoundary(contentType: "multipart/form-data; boundary=\(hex)")
        let content = awkwardContent(boundary: hex)
        let body =
            bytes(
                "--\(hex)\r\n"
                    + "Content-Disposition: form-data; name=\"file_store[file]\"; filename=\"dir/sub/kernel.tar.gz\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n") + content + bytes("\r\n--\(hex)--\r\n")

        let outcome = parseEveryWay(body, boundary: boundary)

        #expect(outcome.isComplete)
        let part = try #require(outcome.parts.only)
        #expect(part.headers.name == "file_store[file]")
        #expect(part.headers.filename == "dir/sub/kernel.tar.gz")
        #expect(part.headers.contentType == "application/octet-stream")
        #expect(part.content == content)
        #expect(StoredFileName(sanitizing: try #require(part.headers.filename)).value == "kernel.tar.gz")
    }

    @Test func readsTheBodyCurlSends() throws {
        // curl -F "file_store[file]=@file": 24 dashes and 16 hex digits in the header, two
        // more dashes on the delimiter lines, the file's basename, application/octet-stream.
        let boundary = try MultipartBoundary(
            contentType: "multipart/form-data; boundary=------------------------d74496d66958873e")
        let content = bytes("line one\r\nline two\n") + [0x00, 0x0D, 0x0A, 0x2D, 0x2D]
        let body =
            bytes(
                "--------------------------d74496d66958873e\r\n"
                    + "Content-Disposition: form-data; name=\"file_store[file]\"; filename=\"file\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n") + content
            + bytes("\r\n--------------------------d74496d66958873e--\r\n")

        let outcome = parseEveryWay(body, boundary: boundary)

        #expect(outcome.isComplete)
        let part = try #require(outcome.parts.only)
        #expect(part.headers.name == "file_store[file]")
        #expect(part.headers.filename == "file")
        #expect(part.content == content)
    }

    @Test func reportsEveryPartSoTheCallerCanSkipExtraFields() throws {
        let boundary = try MultipartBoundary("xyz")
        let body = formBody(
            boundary: "xyz",
            parts: [
                (["Content-Disposition: form-data; name=\"utf8\""], bytes("✓")),
                (fileHeaders(), bytes("the file")),
                (["Content-Disposition: form-data; name=\"commit\""], bytes("Upload")),
            ])

        let outcome = parseEveryWay(body, boundary: boundary)

        #expect(outcome.isComplete)
        #expect(outcome.parts.map(\.headers.name) == ["utf8", "file_store[file]", "commit"])
        #expect(outcome.parts.map(\.content) == [bytes("✓"), bytes("the file"), bytes("Upload")])
        #expect(outcome.parts.map(\.headers.filename) == [nil, "kernel.tar.gz", nil])
        #expect(outcome.parts.map(\.headers.contentType) == [nil, "application/octet-stream", nil])
    }

    // MARK: Framing

    @Test func ignoresThePreambleAndTheEpilogue() throws {
        let boundary = try MultipartBoundary("xyz")
        // The preamble holds near-misses of the delimiter; the epilogue a whole other body.
        let body = formBody(
            boundary: "xyz", parts: [(fileHeaders(), bytes("content"))],
            preamble: "This is the preamble.\r\n--xy\r\n--xyzz\r\n-\r\n\r\n",
            epilogue:
                "\r\nThe epilogue.\r\n--xyz\r\nContent-Disposition: form-data; name=\"late\"\r\n\r\nx\r\n--xyz--\r\n")

        let outcome = parseEveryWay(body, boundary: boundary)

        #expect(outcome.isComplete)
        #expect(outcome.parts.map(\.content) == [bytes("content")])
    }

    @Test func endsAtTheCloseDelimiterWithNoLineBreakAfterIt() throws {
        let outcome = parseEveryWay(
            formBody(boundary: "xyz", parts: [(fileHeaders(), bytes("a"))], epilogue: ""),
            boundary: try MultipartBoundary("xyz"))
        #expect(outcome.isComplete)
        #expect(outcome.parts.map(\.content) == [bytes("a")])
    }

    @Test func readsABodyWithoutParts() throws {
        // What a browser sends for an empty FormData; the API then reports the missing part.
        let outcome = parseEveryWay(bytes("--xyz--\r\n"), boundary: try MultipartBoundary("xyz"))
        #expect(outcome == ParseOutcome(events: [.bodyEnd]))
    }

    @Test func readsEmptyParts() throws {
        let boundary = try MultipartBoundary("xyz")
        let outcome = parseEveryWay(
            formBody(boundary: "xyz", parts: [(fileHeaders(), []), (fileHeaders(filename: ""), [])]), boundary: boundary
        )
        #expect(outcome.isComplete)
        #expect(outcome.parts.map(\.content) == [[], []])
        #expect(outcome.events.filter { if case .partBytes = $0 { true } else { false } }.isEmpty)
        #expect(outcome.parts.map(\.headers.filename) == ["kernel.tar.gz", ""])
    }

    @Test func readsADelimiterRightAfterTheBlankLineAsAnEmptyPart() throws {
        // No CRLF of its own before the delimiter: nonconforming, read as Go's mime/multipart does.
        let body = bytes("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--xyz--")
        let outcome = parseEveryWay(body, boundary: try MultipartBoundary("xyz"))
        #expect(outcome.isComplete)
        #expect(outcome.parts.map(\.content) == [[]])
    }

    @Test func keepsContentThatStartsLikeADelimiterButIsNotOne() throws {
        let body = bytes("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--xyzX--xyz-\r\n--xyz--")
        let outcome = parseEveryWay(body, boundary: try MultipartBoundary("xyz"))
        #expect(outcome.isComplete)
        #expect(outcome.parts.map(\.content) == [bytes("--xyzX--xyz-")])
    }

    @Test func keepsNearMissesOfTheDelimiterInTheContent() throws {
        // Among them the boundary less one byte, and the boundary after a bare LF.
        for boundaryValue in ["xyz", "------------------------d74496d66958873e", "a", "simple boundary"] {
            let content = awkwardContent(boundary: boundaryValue)
            let body = formBody(boundary: boundaryValue, parts: [(fileHeaders(), content), (fileHeaders(), content)])
            let outcome = parseEveryWay(body, boundary: try MultipartBoundary(boundaryValue))
            #expect(outcome.isComplete)
            #expect(outcome.parts.map(\.content) == [content, content])
        }
    }

    @Test func keepsContentMadeOfCarriageReturnsAndLineBreaks() throws {
        let content = bytes("\r\r\r\n\r\n\r\n-\r\n--\r\n--x\r") + Array(repeating: HeaderByte.carriageReturn, count: 40)
        let outcome = parseEveryWay(
            formBody(boundary: "xyz", parts: [(fileHeaders(), content)]), boundary: try MultipartBoundary("xyz"))
        #expect(outcome.parts.map(\.content) == [content])
    }

    @Test(arguments: [
        // RFC 2046 §5.1.1: receivers must handle whitespace a transport added after a boundary.
        "--xyz \t \r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: text/plain\r\n\r\nA\r\n"
            + "--xyz\t\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nB\r\n--xyz--  \r\n",
        // Bare LFs after delimiter lines and header lines, and as the blank line.
        "--xyz\nContent-Disposition: form-data; name=\"a\"\nContent-Type: text/plain\n\nA\r\n"
            + "--xyz  \nContent-Disposition: form-data; name=\"b\"\r\n\nB\r\n--xyz--\n",
    ])
    func acceptsPaddingAndBareLineFeedsWhereTheyCannotChangeContent(body: String) throws {
        let outcome = parseEveryWay(bytes(body), boundary: try MultipartBoundary("xyz"))
        #expect(outcome.isComplete)
        #expect(outcome.parts.map(\.content) == [bytes("A"), bytes("B")])
        #expect(outcome.parts.map(\.headers.contentType) == ["text/plain", nil])
    }

    @Test func needsACarriageReturnBeforeADelimiterAfterContent() throws {
        // A bare LF there would make a file's final CR ambiguous, so "\n--xyz" is content and
        // this body never closes.
        let body = bytes("--xyz\nContent-Disposition: form-data; name=\"a\"\n\nA\n--xyz--\n")
        let outcome = parseEveryWay(body, boundary: try MultipartBoundary("xyz"))
        #expect(outcome.error == .truncated)
        #expect(outcome.events.dropFirst() == [.partBytes(bytes("A\n--xyz--\n"))])
    }

    @Test func aCRBeforeTheDelimiterEndsTheContentAndTheOneBeforeThatStays() throws {
        let outcome = parseEveryWay(
            formBody(boundary: "xyz", parts: [(fileHeaders(), bytes("A\r"))]), boundary: try MultipartBoundary("xyz"))
        #expect(outcome.parts.map(\.content) == [bytes("A\r")])
    }

    // MARK: Part headers

    @Test(arguments: [
        ("form-data; name=\"file_store[file]\"; filename=\"kernel.tar.gz\"", "file_store[file]", "kernel.tar.gz"),
        ("form-data; name=file_store[file]; filename=kernel.tar.gz", "file_store[file]", "kernel.tar.gz"),
        ("FORM-DATA; NAME=\"a\"; FileName=\"B.txt\"", "a", "B.txt"),
        ("form-data; filename=\"first.txt\"; name=\"a\"", "a", "first.txt"),
        ("form-data;name=\"a\";filename=\"b\"", "a", "b"),
        ("form-data ; name = \"a\" ; filename = \"b\" ;", "a", "b"),
        (#"form-data; name="a"; filename="say \"hi\".txt""#, "a", #"say "hi".txt"#),
        (#"form-data; name="a"; filename="back\\slash""#, "a", #"back\slash"#),
        (#"form-data; name="a"; filename="C:\Users\me\kernel.tar.gz""#, "a", #"C:\Users\me\kernel.tar.gz"#),
        ("form-data; name=\"a\"; filename=\"semi;colon, comma=equals.txt\"", "a", "semi;colon, comma=equals.txt"),
        ("form-data; name=\"a\"; filename=\"ядро.tar.gz\"", "a", "ядро.tar.gz"),
        ("form-data; name=\"a\"; filename=\"\"", "a", ""),
        ("form-data; name=\"a\"; filename*=UTF-8''x.txt; filename=\"y.txt\"", "a", "y.txt"),
    ])
    func readsNameAndFilenameFromContentDisposition(disposition: String, name: String, filename: String) throws {
        let body = formBody(boundary: "xyz", parts: [(["Content-Disposition: " + disposition], bytes("c"))])
        let outcome = parseEveryWay(body, boundary: try MultipartBoundary("xyz"))
        let part = try #require(outcome.parts.only)
        #expect(part.headers.name == name)
        #expect(part.headers.filename == filename)
    }

    @Test func keepsEveryHeaderFieldAndReadsNamesInAnyCase() throws {
        let body = formBody(
            boundary: "xyz",
            parts: [
                (
                    [
                        "content-disposition:form-data; name=\"a\"", "CONTENT-TYPE:   image/png  ", "X-Extra: 1",
                        "Content-Transfer-Encoding: binary",
                    ], bytes("c")
                )
            ])
        let part = try #require(parseEveryWay(body, boundary: try MultipartBoundary("xyz")).parts.only)
        #expect(part.headers.contentType == "image/png")
        #expect(part.headers.filename == nil)
        #expect(
            part.headers.fields == [
                MultipartHeaderField(name: "content-disposition", value: "form-data; name=\"a\""),
                MultipartHeaderField(name: "CONTENT-TYPE", value: "image/png"),
                MultipartHeaderField(name: "X-Extra", value: "1"),
                MultipartHeaderField(name: "Content-Transfer-Encoding", value: "binary"),
            ])
    }

    @Test func unfoldsContinuationLines() throws {
        let body = formBody(
            boundary: "xyz",
            parts: [(["Content-Disposition: form-data;", " name=\"a\";", "\tfilename=\"b\"", "   "], bytes("c"))])
        let part = try #require(parseEveryWay(body, boundary: try MultipartBoundary("xyz")).parts.only)
        #expect(part.headers.name == "a")
        #expect(part.headers.filename == "b")
        #expect(
            part.headers.fields == [
                MultipartHeaderField(name: "Content-Disposition", value: "form-data; name=\"a\"; filename=\"b\"")
            ])
    }

    @Test func treatsAnEmptyContentTypeAsAbsent() throws {
        let body = formBody(
            boundary: "xyz", parts: [(["Content-Disposition: form-data; name=\"a\"", "Content-Type: "], bytes("c"))])
        #expect(
            try #require(parseEveryWay(body, boundary: try MultipartBoundary("xyz")).parts.only).headers.contentType
                == nil)
    }

    @Test(arguments: [
        ([String](), MultipartError.missingContentDisposition),
        (["Content-Type: text/plain"], .missingContentDisposition),
        (["Content-Disposition: attachment; name=\"a\""], .notFormDataDisposition(type: "attachment")),
        (["Content-Disposition: form-data"], .missingPartName),
        (["Content-Disposition: form-data; filename=\"a\""], .missingPartName),
        (["Content-Disposition: form-data; name=\"a\"; name=\"b\""], .malformedContentDisposition),
        (["Content-Disposition: form-data; name=\"a\"; filename=\"b\"; FILENAME=\"c\""], .malformedContentDisposition),
        (["Content-Disposition: form-data; name=\"a"], .malformedContentDisposition),
        (["Content-Disposition: form-data; name=\"a\"x"], .malformedContentDisposition),
        (["Content-Disposition: form-data; name"], .malformedContentDisposition),
        (
            ["Content-Disposition: form-data; name=\"a\"", "content-disposition: form-data; name=\"b\""],
            .duplicateHeader(name: "Content-Disposition")
        ),
        (
            ["Content-Disposition: form-data; name=\"a\"", "Content-Type: a/b", "Content-Type: c/d"],
            .duplicateHeader(name: "Content-Type")
        ),
        (["Content-Disposition form-data; name=\"a\""], .malformedHeaderLine),
        (["Content-Disposition : form-data; name=\"a\""], .malformedHeaderLine),
        ([": form-data; name=\"a\""], .malformedHeaderLine),
        (["Content Disposition: form-data; name=\"a\""], .malformedHeaderLine),
        (["Content-Disposition: form-data; name=\"a\"", "X: bare\rCR"], .malformedHeaderLine),
        (["Content-Disposition: form-data; name=\"a\"", "X: nul\u{0}"], .malformedHeaderLine),
        ([" continuation first", "Content-Disposition: form-data; name=\"a\""], .malformedHeaderLine),
    ])
    func rejectsMalformedPartHeaders(headers: [String], expected: MultipartError) throws {
        let body = formBody(boundary: "xyz", parts: [(headers, bytes("c"))])
        let outcome = parseEveryWay(body, boundary: try MultipartBoundary("xyz"))
        #expect(outcome.error == expected)
        #expect(outcome.events.isEmpty)
    }

    // MARK: Malformed framing

    @Test(arguments: ["--xyz X\r\n", "--xyz\rX", "--xyz \r\r\n", "--xyz\t\tX"])
    func rejectsADelimiterLineWithTrailingCharacters(opening: String) throws {
        let body = bytes(opening + "Content-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n--xyz--\r\n")
        #expect(parseEveryWay(body, boundary: try MultipartBoundary("xyz")).error == .malformedDelimiterLine)
    }

    @Test func rejectsALaterDelimiterLineWithTrailingCharactersAfterEndingThePart() throws {
        let body = bytes("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n--xyz junk\r\n")
        let outcome = parseEveryWay(body, boundary: try MultipartBoundary("xyz"))
        #expect(outcome.error == .malformedDelimiterLine)
        #expect(outcome.parts.map(\.content) == [bytes("A")])
    }

    @Test(arguments: [
        "", "no boundary here\r\n", "--xy\r\n",
        "--xyzz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n--xyzz--\r\n", "\r\n--XYZ--\r\n", "-",
    ])
    func reportsAMissingBoundary(body: String) throws {
        let outcome = parseEveryWay(bytes(body), boundary: try MultipartBoundary("xyz"))
        #expect(outcome == ParseOutcome(events: [], error: .boundaryNotFound))
    }

    @Test func givesUpOnAPreambleLongerThanTheLimit() throws {
        let limits = MultipartLimits(maximumPreambleBytes: 10)
        let boundary = try MultipartBoundary("xyz")
        func outcome(preamble: String) -> ParseOutcome {
            let body = formBody(boundary: "xyz", parts: [(fileHeaders(), bytes("A"))], preamble: preamble)
            return parseEveryWay(body, boundary: boundary, limits: limits)
        }
        // The CRLF before the first delimiter belongs to it (RFC 2046 §5.1.1), not to the preamble.
        #expect(outcome(preamble: "1234567890\r\n").isComplete)
        #expect(outcome(preamble: "12345678901\r\n").error == .boundaryNotFound)
        // A preamble that merely starts like the delimiter counts in full.
        #expect(outcome(preamble: "--xyX67890\r\n").isComplete)
        #expect(outcome(preamble: "--xyX678901\r\n").error == .boundaryNotFound)

        // Without the limit's help the same is found at the end.
        var parser = MultipartParser(boundary: boundary, limits: limits)
        try Array(repeating: UInt8(ascii: "x"), count: 10).withUnsafeBytes { try parser.feed($0) { _ in } }
        #expect(throws: MultipartError.boundaryNotFound) { try parser.finish() }
    }

    @Test func reportsEveryEarlyEndOfABodyAsTruncated() throws {
        let boundary = try MultipartBoundary("xyz")
        let body = formBody(
            boundary: "xyz",
            parts: [(["Content-Disposition: form-data; name=\"a\""], bytes("A\r\n--xy")), (fileHeaders(), bytes("B"))])
        let closeEnd = body.count - 2  // before the final CRLF, which belongs to the epilogue
        for length in 0..<body.count {
            let outcome = parse(chunks: [body[..<length]], boundary: boundary)
            if length >= closeEnd {
                #expect(outcome.isComplete, "prefix of \(length) bytes")
            } else if length < "--xyz".utf8.count {
                #expect(outcome.error == .boundaryNotFound, "prefix of \(length) bytes")
            } else {
                #expect(outcome.error == .truncated, "prefix of \(length) bytes")
            }
        }
    }

    // MARK: Limits

    @Test func limitsTheLengthOfAHeaderLine() throws {
        let limits = MultipartLimits(maximumHeaderLineBytes: 60)
        let boundary = try MultipartBoundary("xyz")
        let fitting =
            "Content-Disposition: form-data; name=\"a\"; filename=\"" + String(repeating: "f", count: 7) + "\""
        #expect(fitting.utf8.count == 60)
        for lineEnd in ["\r\n", "\n"] {
            let body = bytes("--xyz\r\n\(fitting)\(lineEnd)\r\nA\r\n--xyz--")
            #expect(parseEveryWay(body, boundary: boundary, limits: limits).isComplete)
            let tooLong = bytes("--xyz\r\n\(fitting)f\(lineEnd)\r\nA\r\n--xyz--")
            #expect(parseEveryWay(tooLong, boundary: boundary, limits: limits).error == .headerLineTooLong(limit: 60))
        }
    }

    @Test func failsAnEndlessHeaderLineWithoutHoldingIt() throws {
        let limits = MultipartLimits(maximumHeaderLineBytes: 100, maximumHeaderSectionBytes: 1000)
        var parser = MultipartParser(boundary: try MultipartBoundary("xyz"), limits: limits)
        try bytes("--xyz\r\nX: ").withUnsafeBytes { try parser.feed($0) { _ in } }
        let endless = Array(repeating: UInt8(ascii: "v"), count: 1 << 20)
        #expect(throws: MultipartError.headerLineTooLong(limit: 100)) {
            try endless.withUnsafeBytes { try parser.feed($0) { _ in } }
        }
        #expect(parser.peakBufferedByteCount <= 101)
    }

    @Test func limitsTheSizeOfAHeaderSection() throws {
        let limits = MultipartLimits(maximumHeaderSectionBytes: 100)
        let boundary = try MultipartBoundary("xyz")
        func section(padding: Int) -> String {
            "Content-Disposition: form-data; name=\"a\"\r\nX: " + String(repeating: "p", count: padding) + "\r\n\r\n"
        }
        #expect(section(padding: 51).utf8.count == 100)
        #expect(
            parseEveryWay(
                bytes("--xyz\r\n" + section(padding: 51) + "A\r\n--xyz--"), boundary: boundary, limits: limits
            ).isComplete)
        #expect(
            parseEveryWay(
                bytes("--xyz\r\n" + section(padding: 52) + "A\r\n--xyz--"), boundary: boundary, limits: limits
            ).error == .headerSectionTooLarge(limit: 100))
    }

    @Test func limitsTheNumberOfHeaderFields() throws {
        let limits = MultipartLimits(maximumHeaderCount: 3)
        let boundary = try MultipartBoundary("xyz")
        let three = ["Content-Disposition: form-data; name=\"a\"", "X-1: 1", "X-2: 2", " folded into X-2"]
        #expect(
            parseEveryWay(formBody(boundary: "xyz", parts: [(three, bytes("A"))]), boundary: boundary, limits: limits)
                .isComplete)
        let four = three + ["X-3: 3"]
        #expect(
            parseEveryWay(formBody(boundary: "xyz", parts: [(four, bytes("A"))]), boundary: boundary, limits: limits)
                .error == .tooManyHeaders(limit: 3))
    }

    @Test func limitsTheNumberOfParts() throws {
        let limits = MultipartLimits(maximumPartCount: 2)
        let boundary = try MultipartBoundary("xyz")
        let part = (["Content-Disposition: form-data; name=\"a\""], bytes("A"))
        #expect(
            parseEveryWay(formBody(boundary: "xyz", parts: [part, part]), boundary: boundary, limits: limits).isComplete
        )
        let outcome = parseEveryWay(
            formBody(boundary: "xyz", parts: [part, part, part]), boundary: boundary, limits: limits)
        #expect(outcome.error == .tooManyParts(limit: 2))
        #expect(outcome.parts.count == 2)
    }

    // MARK: Use of the parser

    @Test func staysFailedAfterAnError() throws {
        var parser = MultipartParser(boundary: try MultipartBoundary("xyz"))
        #expect(throws: MultipartError.malformedDelimiterLine) {
            try bytes("--xyz X").withUnsafeBytes { try parser.feed($0) { _ in } }
        }
        #expect(throws: MultipartError.malformedDelimiterLine) {
            try bytes("\r\n").withUnsafeBytes { try parser.feed($0) { _ in } }
        }
        #expect(throws: MultipartError.malformedDelimiterLine) { try parser.finish() }
    }

    @Test func passesOnTheHandlersErrorAndThenRefusesToGoOn() throws {
        struct DiskFull: Error {}
        var parser = MultipartParser(boundary: try MultipartBoundary("xyz"))
        let body = formBody(boundary: "xyz", parts: [(fileHeaders(), bytes("A"))])
        #expect(throws: DiskFull.self) {
            try body.withUnsafeBytes { buffer in
                try parser.feed(buffer) { event in
                    if case .partBytes = event { throw DiskFull() }
                }
            }
        }
        #expect(throws: MultipartError.interrupted) { try body.withUnsafeBytes { try parser.feed($0) { _ in } } }
        #expect(throws: MultipartError.interrupted) { try parser.finish() }
    }

    @Test func ignoresWhatFollowsTheEndAndEmptyChunks() throws {
        var parser = MultipartParser(boundary: try MultipartBoundary("xyz"))
        var recorder = EventRecorder(sourceLocation: #_sourceLocation)
        for chunk in [
            bytes(""), formBody(boundary: "xyz", parts: [(fileHeaders(), bytes("A"))]), bytes(""),
            bytes("--xyz\r\nmore epilogue"),
        ] {
            try chunk.withUnsafeBytes { try parser.feed($0) { recorder.record($0) } }
        }
        try parser.finish()
        try parser.finish()
        #expect(recorder.outcome.isComplete)
        #expect(recorder.outcome.parts.map(\.content) == [bytes("A")])
    }

    @Test func theHandlerSeesSlicesOfTheChunkItIsGiven() throws {
        // Zero copy: content that is whole inside a chunk is reported in place.
        var parser = MultipartParser(boundary: try MultipartBoundary("xyz"))
        let body = formBody(boundary: "xyz", parts: [(fileHeaders(), bytes("content"))])
        var sliceStarts: [Int] = []
        try body.withUnsafeBytes { buffer in
            try parser.feed(buffer) { event in
                if case .partBytes(let slice) = event, let start = slice.baseAddress, let base = buffer.baseAddress {
                    sliceStarts.append(start - base)
                }
            }
        }
        #expect(sliceStarts == [body.count - "content\r\n--xyz--\r\n".utf8.count])
    }
}

extension Collection {
    /// The single element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
