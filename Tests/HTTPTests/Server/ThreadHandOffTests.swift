import Glibc
import HTTP
import Synchronization
import Testing
import TestSupport

/// A kept-alive connection moves to a fresh thread every `requestsPerThread` requests or
/// `threadServingTime` (HTTPLimits): the client sees nothing of it — every answer, in
/// order, pipelined requests across the move included.
@Suite struct ThreadHandOffTests {
    /// Each answer names the kernel thread that served it.
    static func threadRoutes(_ router: inout Router) {
        echoRoutes(&router)
        router.add(.get, "/thread") { _ in Response(contentType: "text/plain", bytes: Array(String(ThreadIdentity.current).utf8)) }
    }

    @Test func aConnectionMovesThreadsEveryFewRequestsAndNoAnswerIsLost() throws {
        try withTestServer(configure: { $0.limits.requestsPerThread = 3 }, routes: Self.threadRoutes) { server in
            let client = try RawClient(port: server.port)
            var threads: [String] = []
            for _ in 0..<9 {
                try client.send("GET /thread HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                threads.append(response.text)
            }
            // Three requests per thread, then a new one.
            #expect(Set(threads[0..<3]).count == 1 && Set(threads[3..<6]).count == 1 && Set(threads[6..<9]).count == 1, "\(threads)")
            #expect(Set(threads).count == 3, "\(threads)")
        }
    }

    @Test func pipelinedRequestsCrossTheMoveInOrder() throws {
        try withTestServer(configure: { $0.limits.requestsPerThread = 2 }, routes: Self.threadRoutes) { server in
            let client = try RawClient(port: server.port)
            let requests = (0..<25).map { index in
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(String(index).utf8.count)\r\n\r\n\(index)"
            }
            try client.send(requests.joined() + "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            for index in 0..<25 {
                #expect(try client.readResponse().text == String(index))
            }
            #expect(try client.readResponse().text == "hello")
            #expect(client.isClosedByServer())
        }
    }

    @Test func aLongServingThreadHandsOverByTime() throws {
        try withTestServer(configure: { $0.limits.threadServingTime = .milliseconds(50) }, routes: Self.threadRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /thread HTTP/1.1\r\nHost: t\r\n\r\n")
            let first = try client.readResponse().text
            usleep(120_000)
            // The move happens between requests, once one is answered: the request that
            // ends the thread's time is still its own, the next one is not.
            var later: [String] = []
            for _ in 0..<2 {
                try client.send("GET /thread HTTP/1.1\r\nHost: t\r\n\r\n")
                later.append(try client.readResponse().text)
            }
            #expect(later[1] != first, "served past its time on the same thread: \(first) \(later)")
        }
    }

    @Test func aMovedConnectionIsCountedOnce() throws {
        try withTestServer(configure: { $0.limits.requestsPerThread = 1 }, routes: Self.threadRoutes) { server in
            let client = try RawClient(port: server.port)
            for _ in 0..<5 {
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse().text == "hello")
            }
            #expect(server.openConnections == 1)
        }
    }
}

/// A number per thread, never reused (a pthread_t or a kernel thread id may be, once a
/// thread has exited, which is exactly when a connection moves).
enum ThreadIdentity {
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    static let next = Atomic<Int>(1)

    static var current: Int {
        if let stored = pthread_getspecific(key) { return Int(bitPattern: stored) }
        let id = next.wrappingAdd(1, ordering: .relaxed).oldValue
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: id))
        return id
    }
}
