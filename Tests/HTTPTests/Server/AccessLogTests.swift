@testable import HTTP
import Testing

@Suite struct AccessLogTests {
    @Test func aLineSaysWhatHappened() {
        let line = AccessLog.line(
            method: .get, target: "/hello?x=1", status: .ok, bytes: 5, elapsed: .microseconds(314), client: "127.0.0.1",
            maximumTargetBytes: 512)
        #expect(line == "GET /hello?x=1 200 5B 0.31ms 127.0.0.1")
        let dropped = AccessLog.line(
            method: .post, target: "/x", status: nil, bytes: 0, elapsed: .milliseconds(2), client: "::1", maximumTargetBytes: 512)
        #expect(dropped == "POST /x dropped 0B 2.0ms ::1")
    }

    @Test func aLongTargetIsCutWithAMark() {
        let target = "/" + String(repeating: "a", count: 8000)
        let line = AccessLog.line(
            method: .get, target: target, status: .notFound, bytes: 9, elapsed: .zero, client: "127.0.0.1", maximumTargetBytes: 512)
        #expect(line == "GET /" + String(repeating: "a", count: 511) + "…[+7489] 404 9B 0.0ms 127.0.0.1")
        // At the limit exactly: nothing cut, no mark.
        let fits = "/" + String(repeating: "b", count: 511)
        #expect(AccessLog.bounded(fits, to: 512) == fits)
    }

    @Test func aLongMethodAndAReasonAreCutToo() {
        let method = HTTPMethod(String(repeating: "M", count: 600))
        let line = AccessLog.line(method: method, target: "/", status: .ok, bytes: 0, elapsed: .zero, client: "c", maximumTargetBytes: 16)
        #expect(line == String(repeating: "M", count: 16) + "…[+584] / 200 0B 0.0ms c")
        let refusal = AccessLog.refusal(
            HTTPParseError.unsupportedExpectation(String(repeating: "e", count: 100)).httpError, client: "c", maximumReasonBytes: 20)
        #expect(refusal == "c - 417 Expectation eeeeeeee…[+110]")
    }

    @Test func cuttingNeverSplitsACharacter() {
        // "é" is two bytes: a limit inside it keeps the text before it.
        #expect(AccessLog.bounded("abé", to: 3) == "ab…[+2]")
        #expect(AccessLog.bounded("abé", to: 4) == "abé")
    }
}
