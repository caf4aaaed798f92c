import Glibc
@testable import HTTP
import Primitives
import Testing
import TestSupport

/// Memory freed by closed connections and ended workers goes back to the kernel a moment
/// after: once per delay however many end, and never while none do (an idle server does
/// not wake up).
@Suite struct FreedMemoryReturnTests {
    private func waitFor(_ condition: () -> Bool, within seconds: Double = 5) -> Bool {
        let deadline = MonotonicTime.now() + .milliseconds(Int(seconds * 1000))
        while MonotonicTime.now() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    @Test func endingThreadsAreFollowedByOneTrimPerDelay() {
        let freed = FreedMemoryReturn(delay: .milliseconds(100), stackBytes: 256 * 1024)
        defer { freed.stop() }
        for _ in 0..<50 { freed.memoryReleased() }
        #expect(waitFor { freed.trimCount == 1 })
        usleep(300_000)
        #expect(freed.trimCount == 1, "trimmed again with no thread ending")
        freed.memoryReleased()
        #expect(waitFor { freed.trimCount == 2 })
    }

    @Test func nothingIsTrimmedBeforeAThreadEnds() {
        let freed = FreedMemoryReturn(delay: .milliseconds(10), stackBytes: 256 * 1024)
        usleep(200_000)
        #expect(freed.trimCount == 0)
        freed.stop()
    }

    @Test func aClosedConnectionLeadsToATrimAndAnIdleServerToNone() throws {
        try withTestServer(configure: { $0.limits.freedMemoryReturnDelay = .milliseconds(50) }, routes: echoRoutes) { server in
            usleep(150_000)
            #expect(server.freedMemoryTrims == 0)
            let client = try RawClient(port: server.port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
            #expect(waitFor { server.freedMemoryTrims == 1 })
            usleep(200_000)
            #expect(server.freedMemoryTrims == 1)
        }
    }

    @Test func anIdleWorkerEndingLeadsToATrim() throws {
        try withTestServer(configure: {
            $0.limits.workerIdleTime = .milliseconds(100)
            $0.limits.freedMemoryReturnDelay = .milliseconds(50)
        }, routes: { router in
            echoRoutes(&router)
            router.add(.get, "/wait") { request in
                request.whileWaiting { usleep(200_000) }
                return Response(contentType: "text/plain", bytes: Array("waited".utf8))
            }
        }) { server in
            let clients = try (0..<3).map { _ in try RawClient(port: server.port) }
            for client in clients { try client.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n") }
            for client in clients { #expect(try client.readResponse().text == "waited") }
            let trimsBefore = server.freedMemoryTrims
            // The connections stay open: only the workers that end can lead to a trim.
            #expect(waitFor { server.workerThreads == 1 })
            #expect(waitFor { server.freedMemoryTrims > trimsBefore })
            #expect(server.openConnections == 3)
        }
    }

    @Test func serversSharingOneTrimOncePerDelayAndLeaveItToItsOwner() throws {
        let shared = FreedMemoryReturn(delay: .milliseconds(150))
        defer { shared.stop() }
        func makeServer() throws -> HTTPServer {
            var router = Router()
            echoRoutes(&router)
            let server = try HTTPServer(
                configuration: ServerConfiguration(host: "127.0.0.1", port: 0, name: "shared"),
                responder: router, logger: CapturedLogs().logger, freedMemory: shared)
            server.start()
            return server
        }
        let first = try makeServer(), second = try makeServer()
        defer { second.shutdown(gracePeriod: .seconds(1)) }
        func closeOneConnection(on server: HTTPServer) throws {
            let client = try RawClient(port: server.port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
            #expect(client.isClosedByServer())
        }
        try closeOneConnection(on: first)
        try closeOneConnection(on: second)
        // malloc_trim covers the whole process: one trim for both servers' closes.
        #expect(waitFor { shared.trimCount == 1 })
        usleep(400_000)
        #expect(shared.trimCount == 1)
        // A server that did not make it does not stop it.
        first.shutdown(gracePeriod: .seconds(1))
        try closeOneConnection(on: second)
        #expect(waitFor { shared.trimCount == 2 })
    }
}
