import Dispatch
import Glibc
@testable import HTTP
import Primitives
import Synchronization
import Testing
import TestSupport

/// Connections get a worker only while they have something to do (`WorkerPool`): many
/// kept-alive clients need few threads, a worker that waits does not hold the others up,
/// a flood on one connection does not starve another, and idle workers end.
@Suite struct WorkerPoolTests {
    /// So long that the pool's stall rule never acts within a test: only the rule under
    /// test adds workers.
    static let noStallChecks: Duration = .seconds(3600)

    static func routes(_ router: inout Router) {
        echoRoutes(&router)
        // Waits without telling the pool: only the stall check can serve others meanwhile.
        router.add(.get, "/sleep") { _ in
            usleep(1_000_000)
            return Response(contentType: "text/plain", bytes: Array("slept".utf8))
        }
        // Waits and says so (`Request.whileWaiting`), like the fault delays.
        router.add(.get, "/declared-wait") { request in
            request.whileWaiting { usleep(300_000) }
            return Response(contentType: "text/plain", bytes: Array("waited".utf8))
        }
        router.add(.get, "/eight-kib") { _ in
            Response(contentType: "application/octet-stream", bytes: Array(repeating: 0x61, count: 8 * 1024))
        }
        router.add(.get, "/tick") { _ in
            usleep(5_000)
            return Response(contentType: "text/plain", bytes: Array("tick".utf8))
        }
    }

    @Test func manyKeptAliveConnectionsAreServedByAFewWorkers() throws {
        try withTestServer(configure: {
            $0.limits.runnableWorkers = 3
            $0.limits.stallCheckInterval = Self.noStallChecks
        }, routes: Self.routes) { server in
            var clients: [RawClient] = []
            for _ in 0..<200 {
                let client = try RawClient(port: server.port)
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                clients.append(client)
            }
            for client in clients { #expect(try client.readResponse().text == "hello") }
            #expect(server.openConnections == 200)
            #expect(server.workerThreads <= 3, "\(server.workerThreads) workers for 200 connections")
            // Kept alive and parked, each is still served when it speaks again.
            for client in clients.reversed() {
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse().text == "hello")
            }
        }
    }

    @Test func aHandlerStuckOutOfSightGetsAnotherWorkerStartedBeside() throws {
        try withTestServer(configure: {
            $0.limits.runnableWorkers = 1
            $0.limits.stallCheckInterval = .milliseconds(5)
        }, routes: Self.routes) { server in
            let sleeper = try RawClient(port: server.port)
            try sleeper.send("GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n")
            usleep(50_000)
            let other = try RawClient(port: server.port)
            let started = MonotonicTime.now()
            try other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try other.readResponse().text == "hello")
            // Answered while the sleeper still sleeps: by a worker the stall check started.
            #expect(MonotonicTime.now().since(started) < .milliseconds(800))
            #expect(sleeper.hasSomethingToRead() == false)
            #expect(try sleeper.readResponse().text == "slept")
        }
    }

    @Test func aSlowBodyDoesNotHoldUpOtherConnections() throws {
        try withTestServer(configure: {
            $0.limits.runnableWorkers = 1
            $0.limits.stallCheckInterval = Self.noStallChecks
        }, routes: Self.routes) { server in
            let slow = try RawClient(port: server.port)
            try slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            usleep(50_000)
            // The only running worker now waits for the rest of that body, counted as waiting.
            for _ in 0..<3 {
                let other = try RawClient(port: server.port)
                try other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try other.readResponse().text == "hello")
            }
            try slow.send("defghij")
            #expect(try slow.readResponse().text == "abcdefghij")
        }
    }

    @Test func aPipelinedFloodLetsAnotherConnectionTakeItsTurn() throws {
        try withTestServer(configure: {
            $0.limits.runnableWorkers = 1
            $0.limits.requestsPerTurn = 4
            $0.limits.stallCheckInterval = Self.noStallChecks
        }, routes: Self.routes) { server in
            let flood = try RawClient(port: server.port)
            let requests = String(repeating: "GET /tick HTTP/1.1\r\nHost: t\r\n\r\n", count: 100)
            try flood.send(requests)
            // 100 requests of 5 ms each on one worker: half a second for the flood, whose
            // answers come together (held back while the next request is buffered).
            usleep(50_000)
            let other = try RawClient(port: server.port)
            let started = MonotonicTime.now()
            try other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try other.readResponse().text == "hello")
            #expect(MonotonicTime.now().since(started) < .milliseconds(250), "waited for the whole flood")
            for _ in 0..<100 { #expect(try flood.readResponse().text == "tick") }
        }
    }

    @Test func declaredWaitsGetWorkersAtOnceAndIdleWorkersEnd() throws {
        try withTestServer(configure: {
            $0.limits.runnableWorkers = 1
            $0.limits.stallCheckInterval = Self.noStallChecks
            $0.limits.workerIdleTime = .milliseconds(200)
        }, routes: Self.routes) { server in
            let clients = try (0..<5).map { _ in try RawClient(port: server.port) }
            let started = MonotonicTime.now()
            for client in clients { try client.send("GET /declared-wait HTTP/1.1\r\nHost: t\r\n\r\n") }
            for client in clients { #expect(try client.readResponse().text == "waited") }
            // Together, not one after the other (5 × 300 ms).
            #expect(MonotonicTime.now().since(started) < .milliseconds(1200))
            #expect(server.workerThreads >= 5)
            #expect(eventually { server.workerThreads == 1 }, "\(server.workerThreads) workers left")
            // The one left still serves.
            try clients[0].send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try clients[0].readResponse().text == "hello")
        }
    }

    /// A client that pipelines and never reads fills its window: a connection that gives up
    /// its turn then, or reaches its deadline, must still be looked at (here: closed when
    /// it cannot be written to), never left parked until the client goes away.
    @Test func aPipeliningClientThatNeverReadsIsClosedNotForgotten() throws {
        try withTestServer(configure: {
            $0.limits.requestsPerTurn = 2
            $0.timeouts.write = .milliseconds(500)
            $0.timeouts.idle = .milliseconds(500)
        }, routes: Self.routes) { server in
            let client = try RawClient(port: server.port)
            var small: Int32 = 4096
            setsockopt(client.descriptor, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            // 15 KiB of requests, all read into the server's buffer at once; 3 MiB of answers.
            let request = "GET /eight-kib HTTP/1.1\r\nHost: t\r\n\r\n"
            try client.send(String(repeating: request, count: 15 * 1024 / request.utf8.count))
            #expect(eventually { server.openConnections == 1 })
            usleep(100_000)  // the first turns are served and the window fills
            #expect(eventually(timeout: .seconds(10)) { server.openConnections == 0 }, "the connection was left open")
        }
    }

    /// Deadlines are swept every `parkedSweepInterval` whatever the stall check's interval,
    /// and while every worker is busy too.
    @Test func parkedDeadlinesAreSweptWhileEveryWorkerIsBusy() throws {
        try withTestServer(configure: {
            $0.limits.runnableWorkers = 2
            $0.limits.stallCheckInterval = Self.noStallChecks
            $0.timeouts.header = .milliseconds(300)
        }, routes: Self.routes) { server in
            let sleepers = try (0..<2).map { _ in try RawClient(port: server.port) }
            for sleeper in sleepers { try sleeper.send("GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n") }
            usleep(100_000)
            // Both workers sleep; this head is read once one is free, and then trickles no more.
            let slow = try RawClient(port: server.port)
            try slow.send("GET /hello HTTP/1.1\r\nHo")
            let started = MonotonicTime.now()
            #expect(try slow.readResponse().status == 408)
            // About 1 s for the sleepers, 300 ms for the head, 50 ms for the sweep.
            #expect(MonotonicTime.now().since(started) < .seconds(3))
            for sleeper in sleepers { #expect(try sleeper.readResponse().text == "slept") }
        }
    }
}
