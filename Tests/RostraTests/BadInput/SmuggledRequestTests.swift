#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTP
import Testing
import TestSupport

/// Bodies of refused requests are never read as requests. Each case sends, on a
/// keep-alive connection, a request the API refuses before it would read its body (no
/// credentials, the wrong content type, an unknown route, a body where none is expected,
/// bad JSON, a declared size past the limit), whose body is itself a complete destructive
/// request: the DELETE of demo's seeded file or app. The client must get exactly one
/// answer, the refusal, and the state must be unchanged — the embedded DELETE never ran.
@Suite struct SmuggledRequestTests {
    static let helloSHA1 = "5e13c3cc20c292bb6dfb325b48dd65e104bddb87"
    static let rosaDeletion = "DELETE /api/v1/file_stores/\(helloSHA1).json HTTP/1.1\r\nHost: x\r\nAuthorization: \(ServedRostra.rosaDemoLogin)\r\n\r\n"
    static let rostiDeletion = "DELETE /api/v1/1/apps/1201/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token \(ServedRostra.rostiDemoToken)\r\n\r\n"
    static let rostiToken = "Authorization: Token \(ServedRostra.rostiDemoToken)\r\n"
    static let rosaLogin = "Authorization: \(ServedRostra.rosaDemoLogin)\r\n"

    struct Smuggling: Sendable, CustomTestStringConvertible {
        let name: String
        let api: String
        /// The outer request's head, without its framing header or the blank line.
        let head: String
        let inner: String
        let status: Int
        var chunked = false
        var declaredLength: Int?
        var testDescription: String { name }

        var bytes: [UInt8] {
            var text = head
            if chunked {
                text += "Transfer-Encoding: chunked\r\n\r\n" + String(inner.utf8.count, radix: 16) + "\r\n" + inner + "\r\n0\r\n\r\n"
            } else {
                text += "Content-Length: \(declaredLength ?? inner.utf8.count)\r\n\r\n" + inner
            }
            return Array(text.utf8)
        }
    }

    static let cases: [Smuggling] = [
        Smuggling(name: "Rosa upload without credentials", api: "rosa",
                  head: "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n", inner: rosaDeletion, status: 401),
        Smuggling(name: "Rosa upload without credentials, chunked", api: "rosa",
                  head: "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n", inner: rosaDeletion, status: 401,
                  chunked: true),
        Smuggling(name: "Rosa upload without credentials, Expect: 100-continue", api: "rosa",
                  head: "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: multipart/form-data; boundary=b\r\n",
                  inner: rosaDeletion, status: 401),
        Smuggling(name: "Rosa upload of text/plain", api: "rosa",
                  head: "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\n\(rosaLogin)Content-Type: text/plain\r\n", inner: rosaDeletion, status: 400),
        Smuggling(name: "Rosa upload whose body lacks the boundary", api: "rosa",
                  head: "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\n\(rosaLogin)Content-Type: multipart/form-data; boundary=zz\r\n", inner: rosaDeletion,
                  status: 400),
        Smuggling(name: "Rosa unknown route", api: "rosa", head: "POST /api/v1/nothing HTTP/1.1\r\nHost: x\r\n", inner: rosaDeletion, status: 404),
        Smuggling(name: "Rosa delete of an unknown hash with a body", api: "rosa",
                  head: "DELETE /api/v1/file_stores/0123456789abcdef0123456789abcdef01234567.json HTTP/1.1\r\nHost: x\r\n\(rosaLogin)",
                  inner: rosaDeletion, status: 404),
        Smuggling(name: "Rosa upload declared past the limit", api: "rosa",
                  head: "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\n\(rosaLogin)Content-Type: multipart/form-data; boundary=b\r\n", inner: rosaDeletion,
                  status: 413, declaredLength: 10_000_000_000_000),
        Smuggling(name: "Rosti create without credentials", api: "rosti",
                  head: "POST /api/v1/1/apps/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n", inner: rostiDeletion, status: 401),
        Smuggling(name: "Rosti create with another account's token", api: "rosti",
                  head: "POST /api/v1/1/apps/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token \(ServedRostra.rostiOtherToken)\r\nContent-Type: application/json\r\n",
                  inner: rostiDeletion, status: 403),
        Smuggling(name: "Rosti create of text/plain", api: "rosti",
                  head: "POST /api/v1/1/apps/ HTTP/1.1\r\nHost: x\r\n\(rostiToken)Content-Type: text/plain\r\n", inner: rostiDeletion, status: 415),
        Smuggling(name: "Rosti create whose JSON breaks off", api: "rosti",
                  head: "POST /api/v1/1/apps/ HTTP/1.1\r\nHost: x\r\n\(rostiToken)Content-Type: application/json\r\n", inner: #"{"name":"#
                      + rostiDeletion, status: 400),
        Smuggling(name: "Rosti create declared past the limit", api: "rosti",
                  head: "POST /api/v1/1/apps/ HTTP/1.1\r\nHost: x\r\n\(rostiToken)Content-Type: application/json\r\n", inner: rostiDeletion,
                  status: 413, declaredLength: 99_999_999),
        Smuggling(name: "Rosti method not allowed", api: "rosti",
                  head: "PATCH /api/v1/1/apps-action/1201/ HTTP/1.1\r\nHost: x\r\n\(rostiToken)Content-Type: application/json\r\n", inner: rostiDeletion,
                  status: 405),
        Smuggling(name: "Rosti path without its slash", api: "rosti",
                  head: "POST /api/v1/1/apps HTTP/1.1\r\nHost: x\r\n\(rostiToken)Content-Type: application/json\r\n", inner: rostiDeletion, status: 404),
    ]

    @Test func eachRefusalIsTheOnlyAnswerAndTheEmbeddedRequestNeverRuns() throws {
        let scratch = try TemporaryDirectory()
        let server = try ServedRostra(databasePath: scratch.path("state.sqlite"), directory: scratch.url)
        defer { _ = server.stop() }
        #expect(try server.admin("PUT", "clock", json: #"{"mode":"frozen"}"#).status == 200)
        let before = try server.exportedState()

        for smuggling in Self.cases {
            let client = try RawClient(port: server.port(smuggling.api), receiveTimeout: 2)
            do { try client.send(smuggling.bytes) } catch {}
            let answer = try client.readResponse()
            #expect(answer.status == smuggling.status, "\(smuggling.name): \(answer.status) \(answer.text)")
            // Either the connection is closed, or it stays open with nothing more to say.
            usleep(200_000)
            if client.hasSomethingToRead() {
                #expect(client.isClosedByServer(), "\(smuggling.name): a second answer came: the body was read as a request")
            }
            #expect(try server.exportedState() == before, "\(smuggling.name): the embedded DELETE ran")
        }
    }
}
