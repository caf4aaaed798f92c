import HTTP
import Testing

@testable import RosaFileStore
import TestSupport

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

    /// The redirect names the host the request was for: the target's authority when the
    /// target is absolute (RFC 9112 §3.2.2); a Host that is not a host is refused first.
    @Test func theRedirectsHostIsAHost() throws {
        let server = try RosaTestServer()
        let absolute = try RawClient(port: server.port)
        try absolute.send("GET http://files.example:8001/api/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let redirect = try absolute.readResponse()
        #expect(redirect.status == 302)
        #expect(redirect.headers["Location"] == "http://files.example:8001/")

        let hostile = try RawClient(port: server.port)
        try hostile.send("GET /api/v1 HTTP/1.1\r\nHost: \"><script>\r\nConnection: close\r\n\r\n")
        let refused = try hostile.readResponse()
        #expect(refused.status == 400)
        #expect(refused.headers["Location"] == nil)
        #expect(!refused.text.contains("script"))
    }

    /// Asked over TLS, the redirect stays on https.
    @Test func theRedirectKeepsTheRequestsScheme() {
        var request = Request(method: .get, target: "/api/v1", headers: ["Host": "file-store.rosalinux.ru"])
        request.scheme = "https"
        #expect(RosaRoutes.redirectToSiteRoot(request: request).headers["Location"] == "https://file-store.rosalinux.ru/")
    }
}
