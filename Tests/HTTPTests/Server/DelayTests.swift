#if canImport(Glibc)
import Glibc
#endif
@testable import HTTP
import Primitives
import Testing
import TestSupport

/// `Request.pause(for:)`: deliberate delays that end with their client and are bounded
/// in number (RFC 9112 §9.6: a client may close at any time).
@Suite struct DelayTests {
    private func delayRoutes(_ router: inout Router) {
        router.add(.get, "/delay") { request in
            let milliseconds = Int(request.queryValue("ms") ?? "") ?? 30_000
            try request.pause(for: .milliseconds(milliseconds))
            return Response(contentType: "text/plain", bytes: Array("waited".utf8))
        }
        router.add(.get, "/health") { _ in Response(contentType: "text/plain", bytes: Array("ok".utf8)) }
    }

    @Test func delayedRequestsWhoseClientsCloseFreeTheirWorkersAndSlotsAtOnce() throws {
        let logs = CapturedLogs()
        try withTestServer(logs: logs, routes: delayRoutes) { server in
            var clients: [RawClient] = []
            for _ in 0..<64 {
                let client = try RawClient(port: server.port)
                try client.send("GET /delay HTTP/1.1\r\nHost: t\r\n\r\n")
                clients.append(client)
            }
            #expect(eventually(timeout: .seconds(20)) { server.delayedRequests == 64 })
            #expect(server.openConnections == 64)

            let closed = MonotonicTime.now()
            clients = []  // closes every socket
            #expect(eventually(timeout: .seconds(5)) { server.openConnections == 0 && server.delayedRequests == 0 })
            let freedAfter = MonotonicTime.now().since(closed)
            #expect(freedAfter < .milliseconds(100), "freed after \(freedAfter)")

            let started = MonotonicTime.now()
            let health = try RawClient(port: server.port)
            try health.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try health.readResponse().text == "ok")
            #expect(MonotonicTime.now().since(started) < .milliseconds(100))
        }
        #expect(logs.messages.filter { $0.hasPrefix("GET /delay 499 0B ") }.count == 64)
    }

    @Test func aClientThatShutsDownItsSendingSideEndsTheDelayToo() throws {
        try withTestServer(routes: delayRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /delay HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(eventually { server.delayedRequests == 1 })
            shutdown(client.descriptor, Int32(SHUT_WR))
            #expect(eventually(timeout: .seconds(1)) { server.openConnections == 0 })
            #expect(client.readUntilClose().isEmpty)
        }
    }

    @Test func aPipelinedRequestDoesNotEndTheDelay() throws {
        try withTestServer(routes: delayRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /delay?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(eventually { server.delayedRequests == 1 })
            try client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            let first = try client.readResponse()
            #expect(first.status == 200)
            #expect(first.text == "waited")
            #expect(try client.readResponse().text == "ok")
        }
    }

    @Test func delaysBeyondTheBoundAreAnswered503AtOnce() throws {
        try withTestServer(configure: { $0.limits.maxDelayedRequests = 2 }, routes: delayRoutes) { server in
            var held = [try RawClient(port: server.port), try RawClient(port: server.port)]
            for client in held { try client.send("GET /delay HTTP/1.1\r\nHost: t\r\n\r\n") }
            #expect(eventually { server.delayedRequests == 2 })

            let started = MonotonicTime.now()
            let third = try RawClient(port: server.port)
            try third.send("GET /delay HTTP/1.1\r\nHost: t\r\n\r\n")
            let refused = try third.readResponse()
            #expect(refused.status == 503)
            #expect(refused.text.contains("at most 2 wait at once"))
            #expect(MonotonicTime.now().since(started) < .seconds(5))
            // Undelayed requests are not counted.
            try third.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try third.readResponse().text == "ok")

            held = []
            #expect(eventually { server.delayedRequests == 0 })
            try third.send("GET /delay?ms=10 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try third.readResponse().text == "waited")
        }
    }

    @Test func outsideAServerAPauseSleeps() throws {
        let started = MonotonicTime.now()
        try Request(method: .get, target: "/").pause(for: .milliseconds(30))
        #expect(MonotonicTime.now().since(started) >= .milliseconds(30))
    }
}
