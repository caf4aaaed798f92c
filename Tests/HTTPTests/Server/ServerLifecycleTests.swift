#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import HTTP
import Primitives
import Synchronization
import Testing
import TestSupport

/// Time-outs, the connection cap and graceful shutdown, against a real listener.
@Suite struct ServerLifecycleTests {
    @Test func slowHeadGets408ThenClose() throws {
        try withTestServer(configure: { $0.timeouts.header = .milliseconds(300) }, routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            let started = MonotonicTime.now()
            try client.send("GET /hello HTTP/1.1\r\nHo")
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(response.headers["Connection"] == "close")
            #expect(client.isClosedByServer())
            // Well before the client's own 10 s receive time-out, however loaded the machine.
            #expect(MonotonicTime.now().since(started) < .seconds(6))
        }
    }

    @Test func slowlorisCannotExtendTheHeadDeadlineByTrickling() throws {
        try withTestServer(configure: { $0.timeouts.header = .milliseconds(400) }, routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            // One byte every 100 ms for 4 s: each read is "progress", but the deadline is for
            // the whole head. A deadline that trickling extended could only answer after the
            // trickle ends; the answer must come while it is still going.
            let trickle = Array("GET /hello HTTP/1.1\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 40)
            var answeredDuringTrickle = false
            for byte in trickle {
                if client.hasSomethingToRead() {
                    answeredDuringTrickle = true
                    break
                }
                try? client.send([byte])
                usleep(100_000)
            }
            #expect(answeredDuringTrickle)
            #expect(client.readUntilClose().starts(with: Array("HTTP/1.1 408".utf8)))
        }
    }

    @Test func idleKeepAliveConnectionIsClosedQuietly() throws {
        try withTestServer(configure: { $0.timeouts.idle = .milliseconds(200) }, routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            #expect(client.isClosedByServer())  // no 408 on an idle connection
            #expect(eventually { server.openConnections == 0 })
        }
    }

    @Test func slowBodyGets408() throws {
        try withTestServer(configure: { $0.timeouts.bodyRead = .milliseconds(300) }, routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(response.headers["Connection"] == "close")
        }
    }

    @Test func connectionsOverTheCapGet503() throws {
        try withTestServer(configure: { $0.limits.maxConnections = 2 }, routes: echoRoutes) { server in
            let first = try RawClient(port: server.port)
            let second = try RawClient(port: server.port)
            #expect(eventually { server.openConnections == 2 })
            let third = try RawClient(port: server.port)
            let refused = try third.readResponse()
            #expect(refused.status == 503)
            #expect(refused.headers["Connection"] == "close")
            // The admitted ones still work, and a freed slot is usable again.
            try first.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(try first.readResponse().text == "hello")
            #expect(eventually { server.openConnections == 1 })
            let fourth = try RawClient(port: server.port)
            try fourth.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try fourth.readResponse().text == "hello")
            _ = second
        }
    }

    @Test func clientsThatVanishFreeTheirSlot() throws {
        try withTestServer(routes: echoRoutes) { server in
            for _ in 0..<20 {
                let client = try RawClient(port: server.port)
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly part")
            }
            #expect(eventually { server.openConnections == 0 })
            for _ in 0..<20 {
                _ = try RawClient(port: server.port)  // opened and dropped without a byte
            }
            #expect(eventually { server.openConnections == 0 })
        }
    }

    @Test func gracefulShutdownFinishesRequestsInProgressAndRefusesNewOnes() throws {
        let handlerStarted = DispatchSemaphore(value: 0)
        var router = Router()
        router.add(.get, "/slow") { _ in
            handlerStarted.signal()
            usleep(400_000)
            return Response(contentType: "text/plain", bytes: Array("finished".utf8))
        }
        echoRoutes(&router)
        let server = try HTTPServer(configuration: ServerConfiguration(port: 0), responder: router, logger: CapturedLogs().logger)
        server.start()

        let idle = try RawClient(port: server.port)
        try idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.readResponse().status == 200)

        let busy = try RawClient(port: server.port)
        try busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        handlerStarted.wait()

        let stopped = DispatchSemaphore(value: 0)
        // A thread of its own: Dispatch's shared pool may be busy with other blocking tests.
        Thread.detachNewThread {
            server.shutdown(gracePeriod: .seconds(5))
            stopped.signal()
        }
        #expect(idle.isClosedByServer())  // idle connections go at once
        let response = try busy.readResponse()
        #expect(response.text == "finished")
        #expect(response.headers["Connection"] == "close")
        #expect(stopped.wait(timeout: .now() + 5) == .success)
        #expect((try? RawClient(port: server.port)) == nil)  // no longer listening
    }

    @Test func shutdownForcesStuckRequestsClosedAfterTheGracePeriod() throws {
        var router = Router()
        let release = SharedCounter()
        router.add(.get, "/stuck") { _ in
            // Waits 10 s, far longer than the grace period, unless the test releases it.
            for _ in 0..<1000 where release.current == 0 { usleep(10_000) }
            return Response()
        }
        let server = try HTTPServer(configuration: ServerConfiguration(port: 0), responder: router, logger: CapturedLogs().logger)
        server.start()
        let client = try RawClient(port: server.port)
        try client.send("GET /stuck HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(eventually { server.openConnections == 1 })
        let started = MonotonicTime.now()
        server.shutdown(gracePeriod: .milliseconds(200))
        release.add(1)
        // Grace (0.2 s) plus the forced close's own wait (2 s): far from the handler's 10 s.
        #expect(MonotonicTime.now().since(started) < .seconds(6))
    }

    @Test func portZeroPicksAFreePortAndABusyPortFailsClearly() throws {
        try withTestServer(routes: echoRoutes) { server in
            #expect(server.port > 0)
            #expect(throws: SocketError.self) {
                _ = try HTTPServer(configuration: ServerConfiguration(port: server.port), responder: Router(), logger: CapturedLogs().logger)
            }
        }
    }
}
