import Testing
@testable import HTTP
import TestSupport

private func framing(_ fields: [(String, String)], version: HTTPVersion = .http1_1, limits: HTTPLimits = HTTPLimits()) -> Result<BodyFraming, HTTPParseError> {
    let host: [(String, String)] = version == .http1_1 || !fields.isEmpty ? [("Host", "a")] : []
    let head = RequestHead(method: .post, target: "/", version: version, headers: (host + fields).map { (name: $0.0, value: $0.1) })
    do {
        return .success(try BodyFraming.decide(for: head, limits: limits))
    } catch {
        return .failure(error)
    }
}

@Suite struct BodyFramingTests {
    @Test func contentLengthAndChunked() {
        #expect(framing([]) == .success(.none))
        #expect(framing([("Content-Length", "0")]) == .success(.none))
        #expect(framing([("Content-Length", "42")]) == .success(.length(42)))
        #expect(framing([("Transfer-Encoding", "chunked")]) == .success(.chunked))
        #expect(framing([("transfer-encoding", "CHUNKED")]) == .success(.chunked))
    }

    @Test func identicalRepeatedLengthsAreOneLength() {
        #expect(framing([("Content-Length", "5, 5")]) == .success(.length(5)))
        #expect(framing([("Content-Length", "5"), ("Content-Length", "5")]) == .success(.length(5)))
    }

    @Test(arguments: [
        [("Content-Length", "5"), ("Content-Length", "6")],
        [("Content-Length", "5, 6")],
        [("Content-Length", "-1")],
        [("Content-Length", "+5")],
        [("Content-Length", "5a")],
        [("Content-Length", "")],
        [("Content-Length", "0x10")],
        [("Content-Length", "99999999999999999999999")],
    ])
    func refusesAmbiguousLengths(fields: [(String, String)]) {
        #expect(framing(fields) == .failure(.invalidContentLength))
    }

    @Test func smugglingShapesAreRefused() {
        #expect(framing([("Content-Length", "5"), ("Transfer-Encoding", "chunked")]) == .failure(.conflictingFraming))
        #expect(framing([("Transfer-Encoding", "chunked")], version: .http1_0) == .failure(.conflictingFraming))
        #expect(framing([("Transfer-Encoding", "chunked, identity")]) == .failure(.malformedTransferEncoding))
        #expect(framing([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")]) == .failure(.malformedTransferEncoding))
        #expect(framing([("Transfer-Encoding", "gzip, chunked")]) == .failure(.unsupportedTransferCoding("gzip")))
        #expect(HTTPParseError.unsupportedTransferCoding("gzip").status == .notImplemented)
        #expect(HTTPParseError.conflictingFraming.status == .badRequest)
    }

    @Test func hostRules() {
        let noHost = RequestHead(method: .get, target: "/", version: .http1_1, headers: [])
        #expect(throws: HTTPParseError.missingHost) { try BodyFraming.decide(for: noHost, limits: HTTPLimits()) }
        let oldClient = RequestHead(method: .get, target: "/", version: .http1_0, headers: [])
        #expect(framing([], version: .http1_0) == .success(BodyFraming.none))
        _ = oldClient
        #expect(framing([("Host", "b")]) == .failure(.multipleHosts))
    }

    @Test func declaredLengthOverTheLimitGives413() {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 10
        #expect(framing([("Content-Length", "11")], limits: limits) == .failure(.contentTooLarge))
        #expect(framing([("Content-Length", "10")], limits: limits) == .success(.length(10)))
    }
}
