import Testing
@testable import HTTP
import TestSupport

/// Decodes `text` fed in the given pieces; returns the body, or the error.
private func decodeChunked(_ text: String, pieces: [Int] = [], limits: HTTPLimits = HTTPLimits()) -> Result<(body: String, consumed: Int), HTTPParseError> {
    let bytes = Array(text.utf8)
    var decoder = ChunkedDecoder(limits: limits)
    var body: [UInt8] = []
    var pending: [UInt8] = []
    var position = 0
    var consumedTotal = 0
    for end in pieces + [bytes.count] where end >= position {
        pending += bytes[position..<end]
        position = end
        while !pending.isEmpty {
            let result: (consumed: Int, step: ChunkedDecoder.Step)
            do {
                result = try pending.withUnsafeBytes { try decoder.decode($0) }
            } catch let error as HTTPParseError {
                return .failure(error)
            } catch { fatalError() }
            if case .data(let range) = result.step { body += pending[range] }
            pending.removeFirst(result.consumed)
            consumedTotal += result.consumed
            if result.step == .end { return .success((String(decoding: body, as: UTF8.self), consumedTotal)) }
            if result.step == .needMore { break }
        }
    }
    return .failure(.malformedChunk("incomplete"))
}

@Suite struct ChunkedDecoderTests {
    let wire = "4\r\nWiki\r\n6;name=value\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nTrailer: yes\r\n\r\nNEXT"

    @Test func decodesExtensionsAndTrailersAndStopsAtTheEnd() throws {
        let (body, consumed) = try decodeChunked(wire).get()
        #expect(body == "Wikipedia in \r\n\r\nchunks.")
        #expect(consumed == wire.utf8.count - "NEXT".utf8.count)
    }

    @Test func sameBodyAtEverySplitAndByteByByte() throws {
        let expected = try decodeChunked(wire).get()
        for split in 0...wire.utf8.count {
            let result = try decodeChunked(wire, pieces: [split]).get()
            #expect(result.body == expected.body && result.consumed == expected.consumed, "split at \(split)")
        }
        let slow = try decodeChunked(wire, pieces: Array(0..<wire.utf8.count)).get()
        #expect(slow.body == expected.body)
    }

    @Test func hexSizesInAnyCase() throws {
        let body = String(repeating: "x", count: 26)
        #expect(try decodeChunked("1a\r\n\(body)\r\n0\r\n\r\n").get().body == body)
        #expect(try decodeChunked("1A\r\n\(body)\r\n0\r\n\r\n").get().body == body)
    }

    @Test(arguments: [
        "\r\n",                          // no size
        "g\r\nx\r\n0\r\n\r\n",            // not hex
        "4\nWiki\r\n0\r\n\r\n",           // bare LF after size
        "4\r\nWikiX\r\n0\r\n\r\n",        // data longer than the size
        "4\r\nWiki\n0\r\n\r\n",           // bare LF after data
        "0\r\nTrailer: x\n\r\n",          // bare LF in trailer
        "0\r\n\n",                        // bare LF ending
        "11111111111111111\r\n",          // 17 hex digits
        "4;\u{1}\r\nWiki\r\n0\r\n\r\n",   // control in extension
    ])
    func refusesMalformedFraming(text: String) {
        guard case .failure(let error) = decodeChunked(text) else {
            Issue.record("accepted \(text.debugDescription)")
            return
        }
        #expect(error.status == .badRequest)
    }

    @Test func bodyLimitAppliesToTheSumOfChunks() {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 8
        #expect(decodeChunked("4\r\nWiki\r\n4\r\npedi\r\n0\r\n\r\n", limits: limits).map(\.body) == .success("Wikipedi"))
        #expect(decodeChunked("4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n", limits: limits).map(\.body) == .failure(.contentTooLarge))
    }

    @Test func sizeLineAndTrailerLimits() {
        var limits = HTTPLimits()
        limits.maxChunkLineBytes = 16
        limits.maxTrailerBytes = 16
        let longExtension = "4;" + String(repeating: "e", count: 20) + "\r\nWiki\r\n0\r\n\r\n"
        #expect(decodeChunked(longExtension, limits: limits).map(\.body) == .failure(.malformedChunk("chunk size line too long")))
        let longTrailer = "0\r\nX: " + String(repeating: "t", count: 20) + "\r\n\r\n"
        #expect(decodeChunked(longTrailer, limits: limits).map(\.body) == .failure(.trailerSectionTooLarge))
    }
}
