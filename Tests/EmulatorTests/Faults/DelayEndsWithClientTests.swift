#if canImport(Glibc)
import Glibc
#endif
@testable import HTTP
import Primitives
import Testing

@testable import Emulator
import TestSupport

/// A delayed request whose client has gone must not keep its worker and its connection
/// slot for the rest of the delay: thousands of them once made a port answer 503 to
/// everything, health included, for five minutes.
@Suite struct DelayEndsWithClientTests {
    @Test(arguments: ["header", "rule"])
    func delayedRequestsWhoseClientsCloseAreFreedAtOnce(_ source: String) throws {
        let harness = try ControlPlaneHarness()
        var headers = ""
        if source == "rule" {
            try harness.admin("POST", "faults", json: ["api": "rosa", "path": "^/hello", "delay_ms": 300_000])
        } else {
            headers = "\(FaultHeaders.delay): 300000\r\n"
        }
        var clients: [Int32] = []
        defer { for client in clients { close(client) } }
        for _ in 0..<50 {
            let client = try ProbeClient.connect(port: harness.rosa.port)
            try ProbeClient.sendAll(Array("GET /hello HTTP/1.1\r\nHost: t\r\n\(headers)\r\n".utf8), to: client)
            clients.append(client)
        }
        #expect(eventually(timeout: .seconds(20)) { harness.rosa.delayedRequests == 50 })

        let closed = MonotonicTime.now()
        for client in clients { close(client) }
        clients = []
        #expect(eventually { harness.rosa.openConnections == 0 })
        let freedAfter = MonotonicTime.now().since(closed)
        #expect(freedAfter < .milliseconds(100), "freed after \(freedAfter)")

        let asked = MonotonicTime.now()
        #expect(try harness.send("GET", AdminRoutes.healthPath).status == 200)
        #expect(MonotonicTime.now().since(asked) < .milliseconds(500))
        // The journal says what happened: the client closed the request (nginx's 499).
        let journaled = try harness.admin("GET", "requests?api=rosa&status=499&limit=100", api: .rosa)["requests"]?.arrayValue ?? []
        #expect(journaled.count == 50)
    }
}
