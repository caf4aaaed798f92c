import Emulator
import HTTP
import Logging
import Testing

@testable import RosaFileStore

/// Every documented body, byte for byte, as it leaves the server; and what the renderer
/// answers for statuses the reference does not document.
@Suite struct RosaErrorBodiesTests {
    static let json = "application/json; charset=utf-8"

    @Test func unknownRoutesUnderTheAPIAnswerTheDocumented404() throws {
        let server = try RosaTestServer()
        for target in ["/api/v1/nothing", "/api/v1/file_stores/", "/api/v1/upload/", "/elsewhere"] {
            let response = try server.get(target)
            #expect(response.status == 404, "\(target)")
            #expect(response.text == #"{"status": 404, "message": "Error 404. Resource not found!"}"#)
            #expect(response.headers["Content-Type"] == Self.json)
        }
    }

    @Test func unknownFilesAnswerTheDocumented404() throws {
        let server = try RosaTestServer()
        for target in ["/api/v1/file_stores/\(Seeded.unknownSHA1)", "/download/\(Seeded.unknownSHA1)", "/download/not-a-hash"] {
            let response = try server.get(target)
            #expect(response.status == 404)
            #expect(response.text == #"{"status": 404, "message": "Error 404. Resource not found!"}"#)
        }
    }

    @Test func maintenanceAnswersTheDocumented503OnEveryPath() throws {
        let server = try RosaTestServer()
        server.emulator.maintenance.set(.rosa, on: true)
        for (method, target) in [("GET", "/api/v1/check"), ("GET", "/download/\(Seeded.helloSHA1)"), ("POST", "/api/v1/upload"), ("GET", "/x")] {
            let response = try server.request(method, target, headers: [("Authorization", Auth.demo)])
            #expect(response.status == 503)
            #expect(
                response.text
                    == #"{"status": 503, "message": "We update the site, it will take some time. We are really trying to do it fast. We apologize for any inconvenience.."}"#
            )
            #expect(response.headers["Content-Type"] == Self.json)
        }
        #expect(try server.get("/__admin/health").status == 200)
        server.emulator.maintenance.set(.rosa, on: false)
        #expect(try server.get("/api/v1/check", [("Authorization", Auth.demo)]).status == 200)
    }

    @Test func anUnexpectedFailureAnswersTheDocumented500() {
        struct DiskOnFire: Error {}
        let response = RosaErrorRenderer().response(for: DiskOnFire(), request: nil)
        #expect(response.status == .internalServerError)
        #expect(
            body(response)
                == #"{"status": 500, "message": "Something went wrong. We've been notified about this issue and we'll take a look at it shortly."}"#
        )
        #expect(response.headers["Content-Type"] == Self.json)
        // The cause goes to the request's log.
        let errorLog = ErrorLog()
        let request = Request(method: .get, target: "/", logger: Logger(label: "t") { _ in ErrorLogHandler(log: errorLog) })
        _ = RosaErrorRenderer().response(for: DiskOnFire(), request: request)
        #expect(errorLog.messages == ["internal error: DiskOnFire()"])
        // A bare 500 (a fault rule, later) reads the same.
        #expect(body(RosaErrorRenderer().response(for: HTTPError(.internalServerError), request: nil)) == body(response))
    }

    @Test func bareStatusesGetTheDocumentedBodiesForTheirStatus() {
        let renderer = RosaErrorRenderer()
        #expect(body(renderer.response(for: HTTPError(.forbidden), request: nil)) == #"{"message": "Access violation to this page!"}"#)
        let unauthorized = renderer.response(for: HTTPError(.unauthorized), request: nil)
        #expect(body(unauthorized) == #"{"error": "You need to sign in or sign up before continuing."}"#)
        #expect(unauthorized.headers["WWW-Authenticate"] == #"Basic realm="Application""#)
        let redirect = renderer.response(for: HTTPError(.found), request: nil)
        #expect(redirect.status == .found)
        #expect(redirect.headers["Location"] == "/")
    }

    @Test func wrongMethodsAnswer405WithAllowAndAJSONBody() throws {
        let server = try RosaTestServer()
        let response = try server.request("PUT", "/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)")
        #expect(response.status == 405)
        #expect(response.text == #"{"status": 405, "message": "Error 405. Method not allowed!"}"#)
        #expect(response.headers["Allow"] == "GET, HEAD, OPTIONS")
        #expect(response.headers["Content-Type"] == Self.json)
        let onFile = try server.request("POST", "/api/v1/file_stores/\(Seeded.helloSHA1)")
        #expect(onFile.headers["Allow"] == "GET, HEAD, DELETE, OPTIONS")
    }

    @Test func theEnginesFramingErrorsAreJSONToo() throws {
        let server = try RosaTestServer()
        let client = try RawClient(port: server.port)
        try client.send("GET /api/v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.headers["Content-Type"] == Self.json)
        #expect(response.text.hasPrefix(#"{"status": 400, "message": "#))

        let tooLong = try RawClient(port: server.port)
        try tooLong.send("GET /api/v1/" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
        let uriTooLong = try tooLong.readResponse()
        #expect(uriTooLong.status == 414)
        #expect(uriTooLong.text.hasPrefix(#"{"status": 414, "message": "#))
    }
}

func body(_ response: Response) -> String {
    guard case .bytes(let bytes) = response.body else { return "" }
    return String(decoding: bytes, as: UTF8.self)
}
