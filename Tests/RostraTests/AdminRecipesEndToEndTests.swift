import Foundation
import Testing
import TestSupport

/// The recipes of docs/admin-api.md against the built `rostra` and the real Rosti and Rosa
/// endpoints, as a user's integration suite runs them: one server for the suite, a reset
/// before each test, the admin API to steer it.
@Suite struct AdminRecipesEndToEndTests {
    /// A client of one running rostra, speaking raw HTTP/1.1 as a test suite's client would.
    struct Client {
        let ports: (rosti: Int, rosa: Int)

        static let rostiToken = "Authorization: Token rostidemo0000000000000000000000000000001"
        static let rosaLogin = "Authorization: Basic " + Data("demo:demo-password".utf8).base64EncodedString()

        func send(_ port: Int, _ method: String, _ path: String, headers: [String] = [], body: String? = nil) throws -> (status: Int, body: String) {
            var head = "\(method) \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
            for header in headers { head += header + "\r\n" }
            if let body { head += "Content-Length: \(body.utf8.count)\r\n" }
            let reply = try RostraProcess.exchange(port: port, request: Array((head + "\r\n" + (body ?? "")).utf8))
            return (reply.0, reply.1)
        }

        func admin(_ method: String, _ path: String, json: String? = nil) throws -> (status: Int, body: String) {
            try send(ports.rosti, method, "/__admin/" + path, headers: json == nil ? [] : ["Content-Type: application/json"], body: json)
        }

        func json(_ text: String) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }

        func upload(_ content: String) throws -> (status: Int, body: String) {
            let body = "--b\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"build.log\"\r\n"
                + "Content-Type: text/plain\r\n\r\n\(content)\r\n--b--\r\n"
            return try send(ports.rosa, "POST", "/api/v1/upload", headers: [Self.rosaLogin, "Content-Type: multipart/form-data; boundary=b"], body: body)
        }
    }

    @Test func theDocumentedRecipesWorkAgainstTheRealAPIs() throws {
        let scratch = try TemporaryDirectory()
        let process = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory, "--log-level", "error"],
            directory: scratch.url)
        defer { _ = process.stop() }
        let client = Client(ports: try process.waitForBanner())

        /// The suite's per-test setup: reset per test.
        func freshWorld() throws {
            #expect(try client.admin("POST", "reset").status == 200)
        }

        // Fail the next upload with 503; the retry succeeds; the journal shows both.
        try freshWorld()
        #expect(try client.admin("POST", "faults", json: #"{"api":"rosa","method":"POST","path":"^/api/v1/upload","status":503,"times":1}"#).status == 201)
        let failed = try client.upload("first try")
        #expect(failed.status == 503)
        #expect(failed.body.contains("We update the site"), "Rosa's documented 503 body")
        let retried = try client.upload("second try")
        #expect(retried.status == 201)
        #expect(retried.body.contains("sha1_hash"))
        let uploads = client.json(try client.admin("GET", "requests?method=POST&path=%5E/api/v1/upload").body)
        #expect((uploads["requests"] as? [[String: Any]])?.compactMap { $0["status"] as? Int } == [201, 503])

        // Advance the clock an hour to refill the rate limit.
        try freshWorld()
        #expect(try client.admin("PUT", "settings", json: #"{"rate_limit":3}"#).status == 200)
        #expect(try client.admin("PUT", "clock", json: #"{"mode":"frozen","now":"2030-01-01T10:00:00Z"}"#).status == 200)
        for _ in 0..<3 { #expect(try client.send(client.ports.rosa, "GET", "/api/v1/check", headers: [Client.rosaLogin]).status == 200) }
        let limited = try client.send(client.ports.rosa, "GET", "/api/v1/check", headers: [Client.rosaLogin])
        #expect(limited.status == 403)
        #expect(limited.body.contains("Rate Limit Exceeded"))
        #expect(try client.admin("POST", "clock/advance", json: #"{"seconds":3600}"#).status == 200)
        #expect(try client.send(client.ports.rosa, "GET", "/api/v1/check", headers: [Client.rosaLogin]).status == 200)
        #expect(try client.admin("PUT", "settings", json: #"{"rate_limit":2000}"#).status == 200)

        // Wait for a job by advancing the clock.
        try freshWorld()
        #expect(try client.admin("PUT", "clock", json: #"{"mode":"frozen","now":"2030-01-01T10:00:00Z"}"#).status == 200)
        let created = try client.send(client.ports.rosti, "POST", "/api/v1/1/snapshots/", headers: [Client.rostiToken, "Content-Type: application/json"], body: #"{"app":1201,"note":"recipe"}"#)
        #expect(created.status == 200)
        let job = try #require(client.json(created.body)["id"] as? Int)
        let before = client.json(try client.send(client.ports.rosti, "GET", "/api/v1/1/jobs/\(job)/", headers: [Client.rostiToken]).body)
        #expect(before["status"] as? String == "pending")
        let durations = (client.json(try client.admin("GET", "settings").body)["job_durations"] as? [String: [String: Double]])?["snapshot"] ?? [:]
        let total = (durations["pending_s"] ?? 0) + (durations["running_s"] ?? 0)
        #expect(try client.admin("POST", "clock/advance", json: #"{"seconds":\#(total)}"#).status == 200)
        let after = client.json(try client.send(client.ports.rosti, "GET", "/api/v1/1/jobs/\(job)/", headers: [Client.rostiToken]).body)
        #expect(after["status"] as? String == "done")

        // Reset per test: the next test does not see the job.
        try freshWorld()
        #expect(try client.send(client.ports.rosti, "GET", "/api/v1/1/jobs/\(job)/", headers: [Client.rostiToken]).status == 404)
    }
}
