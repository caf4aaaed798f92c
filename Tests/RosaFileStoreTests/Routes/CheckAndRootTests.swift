import Testing

@testable import RosaFileStore

@Suite struct CheckAndRootTests {
    @Test(arguments: ["/api/v1/check", "/api/v1/check.json"])
    func checkAnswersTrueToGoodCredentials(_ path: String) throws {
        let response = try RosaTestServer().get(path, [("Authorization", Auth.demoToken)])
        #expect(response.status == 200)
        #expect(response.text == "true")
        #expect(response.headers["ETag"] == "\"\(sha1(bytes("true")))\"")
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
    }

    /// The documented `curl -i` of the API root.
    @Test(arguments: ["/api/v1", "/api/v1/"])
    func theAPIRootRedirectsToTheSite(_ path: String) throws {
        let response = try RosaTestServer().get(path)
        #expect(response.status == 302)
        #expect(response.headers["Location"] == "http://127.0.0.1/")
        #expect(response.headers["Content-Type"] == "text/html;charset=utf-8")
        #expect(response.headers["Content-Length"] == "0")
        #expect(response.headers["X-RateLimit-Limit"] == "2000")
        #expect(response.headers["X-RateLimit-Remaining"] == "1999")
    }
}
