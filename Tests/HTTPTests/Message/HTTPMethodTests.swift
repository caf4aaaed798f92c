import Testing
@testable import HTTP
import TestSupport

@Test func methodsCompareByToken() {
    #expect(HTTPMethod("GET") == .get)
    #expect(HTTPMethod("get") != .get)
}

@Suite struct MessageTests {
    @Test func headerNamesAreCaseInsensitiveAndRepeatsKept() {
        var headers: HTTPHeaders = ["Content-Type": "a", "X-A": "1"]
        headers.add(name: "x-a", value: "2")
        #expect(headers["content-type"] == "a")
        #expect(headers.values(for: "X-A") == ["1", "2"])
        headers.replaceOrAdd(name: "X-a", value: "3")
        #expect(headers.values(for: "x-A") == ["3"])
        headers.remove(name: "CONTENT-TYPE")
        #expect(!headers.contains("Content-Type"))
    }

    @Test func connectionTokens() {
        #expect(Request(method: .get, target: "/").wantsKeepAlive)
        #expect(!Request(method: .get, target: "/", headers: ["Connection": "Keep-Alive, Close"]).wantsKeepAlive)
        #expect(!Request(method: .get, target: "/", version: .http1_0).wantsKeepAlive)
        #expect(Request(method: .get, target: "/", version: .http1_0, headers: ["Connection": "keep-alive"]).wantsKeepAlive)
    }

    @Test func queryItemsArePercentAndPlusDecoded() {
        let request = Request(method: .get, target: "/p?hash=ab%20c&x=a+b&empty&x=2&bad=%zz%4")
        #expect(request.queryValue("hash") == "ab c")
        #expect(request.queryItems.filter { $0.name == "x" }.map(\.value) == ["a b", "2"])
        #expect(request.queryValue("empty") == "")
        #expect(request.queryValue("bad") == "%zz%4")
        #expect(PercentDecoding.decode("%C3%A9%FF") == "é\u{FFFD}")
    }

    @Test func bodyCollectStopsAtTheLimit() throws {
        #expect(try RequestBody(bytes: Array("hello".utf8)).collect(upTo: 5) == Array("hello".utf8))
        #expect(throws: HTTPError.self) { try RequestBody(bytes: Array("hello!".utf8)).collect(upTo: 5) }
    }

    @Test func imfFixdate() {
        #expect(HTTPDateCache.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }
}
