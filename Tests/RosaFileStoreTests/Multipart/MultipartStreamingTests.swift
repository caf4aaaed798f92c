import Testing

@testable import RosaFileStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct MultipartStreamingTests {
    static let boundaryValue = "3f2b8c1d9e0a4f6b8d7c5e3a1b2c4d6e"

    @Test func streamsA64MiBPartHoldingOnlyADelimitersWorth() throws {
        let boundary = try MultipartBoundary(Self.boundaryValue)
        let body = GeneratedUploadBody(boundary: Self.boundaryValue, contentLength: 64 << 20)
        var parser = MultipartParser(boundary: boundary)
        var verifier = ContentVerifier(body: body)
        var peakWhileStreamingContent = 0

        // A prime chunk size, so that chunk ends fall at every offset of the repeating content
        // and of the near-misses in it.
        var chunk = [UInt8](repeating: 0, count: 65_521)
        var offset = 0
        while offset < body.length {
            let length = min(chunk.count, body.length - offset)
            body.copy(from: offset, into: &chunk)
            try chunk.withUnsafeBytes { buffer in
                try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[..<length])) { verifier.check($0) }
            }
            offset += length
            if verifier.partBegun && !verifier.partEnded {
                peakWhileStreamingContent = max(peakWhileStreamingContent, parser.bufferedByteCount)
            }
        }
        try parser.finish()

        #expect(verifier.partBegun && verifier.partEnded && verifier.bodyEnded)
        #expect(verifier.contentBytesSeen == body.contentLength)
        #expect(verifier.mismatchedSlices == 0)
        #expect(peakWhileStreamingContent <= boundary.delimiter.count + 1)
        // The most it held is the part's header section: the head less its delimiter line.
        #expect(parser.peakBufferedByteCount == body.head.count - "--\(Self.boundaryValue)\r\n".utf8.count)
        // Horspool's shifts skip most of ordinary content unread.
        #expect(parser.delimiterComparisonCount <= body.length / 8)
    }

    @Test func countsTheBytesItHoldsBack() throws {
        var parser = MultipartParser(boundary: try MultipartBoundary("xyz"))
        func feed(_ text: String) throws { try bytes(text).withUnsafeBytes { try parser.feed($0) { _ in } } }

        #expect(parser.bufferedByteCount == 0)  // the CRLF implied at the start is not input
        try feed("--xy")
        #expect(parser.bufferedByteCount == 4)
        try feed("z\r\nContent-Disposition: form-data; name=\"a\"\r\n")
        #expect(parser.bufferedByteCount == 42)  // the header section so far
        try feed("\r\ncontent\r\n--x")
        #expect(parser.bufferedByteCount == 5)
        try feed("yz-")
        #expect(parser.bufferedByteCount == 8)  // the delimiter and a dash
        try feed("-")
        #expect(parser.bufferedByteCount == 0)
        #expect(parser.peakBufferedByteCount == 44)  // the whole header section with its blank line
    }

    /// Content that makes a naive search backtrack or a skipping one crawl: a pattern repeated.
    struct RepeatedPattern: CustomTestStringConvertible, Sendable {
        let pattern: String
        let repetitions: Int
        var content: [UInt8] { Array(repeating: bytes(pattern), count: repetitions).flatMap { $0 } }
        var testDescription: String { "\(pattern.debugDescription) × \(repetitions)" }
    }

    @Test(arguments: [
        RepeatedPattern(pattern: "\r", repetitions: 50_000),
        RepeatedPattern(pattern: "\r\n", repetitions: 25_000),
        // The delimiter less its last byte, and followed by a byte that cannot follow it.
        RepeatedPattern(pattern: "\r\n--" + boundaryValue.dropLast(), repetitions: 1_500),
        RepeatedPattern(pattern: "\r\n--" + boundaryValue + "X", repetitions: 1_500),
    ])
    func comparesEachByteAtMostThreeTimes(adversary: RepeatedPattern) throws {
        let content = adversary.content
        let boundary = try MultipartBoundary(Self.boundaryValue)
        let body = formBody(boundary: Self.boundaryValue, parts: [(fileHeaders(), content)])
        for chunkSize in [body.count, 1, 7] {
            var parser = MultipartParser(boundary: boundary)
            var contentLength = 0
            for start in stride(from: 0, to: body.count, by: chunkSize) {
                try Array(body[start..<min(start + chunkSize, body.count)]).withUnsafeBytes { buffer in
                    try parser.feed(buffer) { event in
                        if case .partBytes(let bytes) = event { contentLength += bytes.count }
                    }
                }
            }
            try parser.finish()
            #expect(contentLength == content.count, "chunks of \(chunkSize)")
            #expect(parser.delimiterComparisonCount <= 3 * body.count, "chunks of \(chunkSize)")
        }
    }

    @Test func skipsContentMadeOfTheDelimitersLastByte() throws {
        // Every window's last byte fits there, but not its first; the shift for that byte
        // (10 here: the 'e' before the last in the boundary) must still apply.
        let content = [UInt8](repeating: UInt8(ascii: "e"), count: 100_000)
        let body = formBody(boundary: Self.boundaryValue, parts: [(fileHeaders(), content)])
        var parser = MultipartParser(boundary: try MultipartBoundary(Self.boundaryValue))
        var contentLength = 0
        try body.withUnsafeBytes { buffer in
            try parser.feed(buffer) { event in
                if case .partBytes(let bytes) = event { contentLength += bytes.count }
            }
        }
        try parser.finish()
        #expect(contentLength == content.count)
        #expect(parser.delimiterComparisonCount <= body.count / 2)
    }

    @Test func givesTheSameEventsForEveryThreeWaySplit() throws {
        // Every pair of split points: a delimiter cut in three pieces, and cuts on either side
        // of the line breaks that bound it.
        let boundary = try MultipartBoundary("b0undary")
        let body = formBody(
            boundary: "b0undary",
            parts: [
                (fileHeaders(filename: "a/k.gz"), bytes("x\r\n--b0undar\r")),
                (["Content-Disposition: form-data; name=\"n\""], bytes("y")),
            ])
        let whole = parse(chunks: [body[...]], boundary: boundary)
        #expect(whole.isComplete)
        var differing: [(Int, Int)] = []
        for first in 0...body.count {
            for second in first...body.count {
                let outcome = parse(
                    chunks: [body[..<first], body[first..<second], body[second...]], boundary: boundary)
                if outcome != whole { differing.append((first, second)) }
            }
        }
        #expect(differing.isEmpty, "splits \(differing.prefix(5))")
    }
}

/// An upload as the ABF console client sends it, produced on the fly: headers, `contentLength`
/// bytes of content repeating a 64 KiB block full of CRs and near-misses of the delimiter,
/// then the close delimiter. Nothing of that size is ever held.
struct GeneratedUploadBody {
    let head: [UInt8]
    let block: [UInt8]
    let tail: [UInt8]
    let contentLength: Int
    var length: Int { head.count + contentLength + tail.count }

    init(boundary: String, contentLength: Int) {
        head = bytes(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"dir/sub/kernel.tar.gz\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n")
        tail = bytes("\r\n--\(boundary)--\r\n")
        self.contentLength = contentLength
        var generator = SplitMix64(seed: 0x5EED)
        var block = (0..<65_536).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let nearMiss = bytes("\r\n--" + boundary.dropLast())
        for position in stride(from: 100, to: block.count - nearMiss.count, by: 997) {
            block.replaceSubrange(position..<position + nearMiss.count, with: nearMiss)
        }
        self.block = block
    }

    /// The content byte at `contentOffset`.
    func contentByteRange(at contentOffset: Int, maximumLength: Int) -> ArraySlice<UInt8> {
        let start = contentOffset % block.count
        return block[start..<min(block.count, start + maximumLength)]
    }

    /// Fills `chunk` with the body's bytes from `offset` on (as many as fit or remain).
    func copy(from offset: Int, into chunk: inout [UInt8]) {
        var written = 0
        var position = offset
        while written < chunk.count, position < length {
            let piece: ArraySlice<UInt8>
            if position < head.count {
                piece = head[position...]
            } else if position < head.count + contentLength {
                let contentOffset = position - head.count
                piece = contentByteRange(at: contentOffset, maximumLength: contentLength - contentOffset)
            } else {
                piece = tail[(position - head.count - contentLength)...]
            }
            let count = min(piece.count, chunk.count - written)
            chunk.replaceSubrange(written..<written + count, with: piece.prefix(count))
            written += count
            position += count
        }
    }
}

/// Checks each content slice against the generated content as it arrives, keeping nothing.
struct ContentVerifier {
    let body: GeneratedUploadBody
    private(set) var contentBytesSeen = 0
    private(set) var mismatchedSlices = 0
    private(set) var partBegun = false
    private(set) var partEnded = false
    private(set) var bodyEnded = false

    init(body: GeneratedUploadBody) { self.body = body }

    mutating func check(_ event: MultipartEvent) {
        switch event {
        case .partBegin(let headers):
            partBegun = headers.name == "file_store[file]" && headers.filename == "dir/sub/kernel.tar.gz"
        case .partBytes(var slice):
            while !slice.isEmpty {
                let expected = body.contentByteRange(at: contentBytesSeen, maximumLength: slice.count)
                let same = expected.withUnsafeBytes { expectedBytes in
                    guard let expectedStart = expectedBytes.baseAddress, let sliceStart = slice.baseAddress else {
                        return false
                    }
                    return memcmp(expectedStart, sliceStart, expectedBytes.count) == 0
                }
                if !same { mismatchedSlices += 1 }
                contentBytesSeen += expected.count
                slice = UnsafeRawBufferPointer(rebasing: slice[expected.count...])
            }
        case .partEnd: partEnded = true
        case .bodyEnd: bodyEnded = true
        }
    }
}

/// A small fixed-seed generator (Steele, Lea and Flood's SplitMix64), so the content is the
/// same on every run.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
