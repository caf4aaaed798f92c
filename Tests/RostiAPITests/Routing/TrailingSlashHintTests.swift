import Testing
import TestSupport

@testable import RostiAPI

/// A path without its final `/` keeps DRF's 404 body byte for byte; the log says which path
/// was meant.
@Suite struct TrailingSlashHintTests {
    @Test func aPathWithoutItsSlashIsA404WithAHintInTheLog() throws {
        let logs = CapturedLogs(level: .notice)
        let server = try RostiTestServer(logs: logs)
        let cases = [
            ("/api/v1/companies", "GET /api/v1/companies/"),
            ("/api/v1/1/apps/1201", "GET /api/v1/1/apps/1201/"),
            ("/api", "GET /api/"),
        ]
        for (path, meant) in cases {
            let czech = try server.get(path, language: nil)
            #expect(czech.status == 404)
            #expect(czech.text == #"{"detail":"Nenalezeno."}"#, "the body stays DRF's")
            #expect(logs.messages.contains { $0.hasPrefix(#"hint: Rosti paths end in "/": \#(meant) "#) }, "\(logs.messages)")
        }
    }

    @Test func otherNotFoundsGiveNoHint() throws {
        let logs = CapturedLogs(level: .notice)
        let server = try RostiTestServer(logs: logs)
        for path in ["/api/v1/nothing", "/api/v1/1/apps/1201/x", "/api/v1/1/apps/999999/", "/api/v1//apps"] {
            #expect(try server.get(path).status == 404, "\(path)")
        }
        #expect(!logs.messages.contains { $0.hasPrefix("hint:") }, "\(logs.messages)")
    }
}
