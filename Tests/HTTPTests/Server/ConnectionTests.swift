import HTTP
import Testing
import TestSupport

/// HTTP/1.1 behaviour over a real socket (RFC 9112): persistence, pipelining, HEAD,
/// bodies, 100-continue, and protocol errors answered with their status.
@Suite struct ConnectionTests {
    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            for _ in 0..<20 {
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "hello")
                #expect(response.headers["Content-Length"] == "5")
                #expect(response.headers["Date"]?.hasSuffix(" GMT") == true)
                #expect(response.headers["Connection"] == nil)
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            let requests = (0..<50).map { index in
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(String(index).utf8.count)\r\n\r\n\(index)"
            }
            try client.send(requests.joined() + "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            for index in 0..<50 {
                #expect(try client.readResponse().text == String(index))
            }
            let last = try client.readResponse()
            #expect(last.text == "hello")
            #expect(last.headers["Connection"] == "close")
            #expect(client.isClosedByServer())
        }
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() throws {
        try withTestServer(routes: echoRoutes) { server in
            let plain = try RawClient(port: server.port)
            try plain.send("GET /hello HTTP/1.0\r\n\r\n")
            #expect(try plain.readResponse().headers["Connection"] == "close")
            #expect(plain.isClosedByServer())

            let kept = try RawClient(port: server.port)
            for _ in 0..<3 {
                try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let response = try kept.readResponse()
                #expect(response.headers["Connection"] == "keep-alive")
                #expect(response.text == "hello")
            }
        }
    }

    @Test func headHasTheLengthButNoBody() throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try client.readResponse(head: true)
            #expect(head.status == 200)
            #expect(head.headers["Content-Length"] == "5")
            // If the HEAD answer had carried a body, this would read "hello" as a status line.
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func chunkedRequestBodiesAreDecoded() throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nX-Trailer: 1\r\n\r\n")
            #expect(try client.readResponse().text == "hello!")
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func expectContinueSendsTheInterimResponseWhenTheBodyIsRead() throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            #expect(try client.readInterimLine() == "HTTP/1.1 100 Continue")
            try client.send("data")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "data")
        }
    }

    @Test func expectContinueUnansweredBodyClosesInsteadOfWaiting() throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("POST /ignore-body HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "ignored")
            #expect(response.headers["Connection"] == "close")
        }
    }

    @Test func unknownExpectationIs417() throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\nx")
            #expect(try client.readResponse().status == 417)
        }
    }

    @Test func unreadSmallBodyIsDiscardedAndTheConnectionKept() throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("POST /ignore-body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde")
            let first = try client.readResponse()
            #expect(first.text == "ignored")
            #expect(first.headers["Connection"] == nil)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test(arguments: [
        ("GET /hello HTTP/1.1\nHost: t\r\n\r\n", 400),
        ("GET /hello HTTP/1.1\r\n\r\n", 400),
        ("GET /hello HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        ("GET /hello HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414),
        ("GET /hello HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "a", count: 40000) + "\r\n\r\n", 431),
        ("GET /hello HTTP/1.1\r\nHost: t\r\n" + String(repeating: "X: 1\r\n", count: 101) + "\r\n", 431),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999\r\n\r\n", 413),
    ])
    func protocolErrorsAreAnsweredThenClosed(request: String, status: Int) throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == status)
            #expect(response.headers["Connection"] == "close")
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(client.isClosedByServer())
        }
    }

    @Test func chunkedBodyOverTheLimitIs413() throws {
        try withTestServer(configure: { $0.limits.maxBodyBytes = 8 }, routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.headers["Connection"] == "close")
        }
    }

    @Test func handlerErrorsGoThroughTheErrorRenderer() throws {
        try withTestServer(routes: { router in
            router.add(.get, "/teapot") { _ in throw HTTPError(HTTPStatus(code: 418), message: "short and stout") }
            router.add(.get, "/crash") { _ in throw RawClientError(description: "not an HTTPError") }
        }) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /teapot HTTP/1.1\r\nHost: t\r\n\r\n")
            let teapot = try client.readResponse()
            #expect(teapot.status == 418)
            #expect(teapot.text == #"{"error":"short and stout"}"#)
            try client.send("GET /crash HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == 500)
            try client.send("GET /missing HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == 404)
        }
    }

    @Test func responseHeaderValuesCannotSplitTheResponse() throws {
        try withTestServer(routes: { router in
            router.add(.get, "/split") { _ in Response(headers: ["X-Evil": "a\r\nSet-Cookie: x=1"], body: .empty) }
        }) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /split HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.headers["Set-Cookie"] == nil)
            #expect(response.headers["X-Evil"] == "a  Set-Cookie: x=1")
        }
    }

    @Test func dropAndRawTransportsForFaultInjection() throws {
        try withTestServer(routes: { router in
            router.add(.get, "/drop") { _ in .dropConnection() }
            router.add(.get, "/garbage") { _ in .rawBytesThenClose(Array("%%% not http %%%".utf8)) }
        }) { server in
            let dropped = try RawClient(port: server.port)
            try dropped.send("GET /drop HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(dropped.readUntilClose().isEmpty)
            let garbage = try RawClient(port: server.port)
            try garbage.send("GET /garbage HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(String(decoding: garbage.readUntilClose(), as: UTF8.self) == "%%% not http %%%")
        }
    }

    @Test func everyAnswerNamesItsRequestId() throws {
        try withTestServer(routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            var ids: [String] = []
            for _ in 0..<3 {
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                ids.append(try client.readResponse().headers["X-Request-Id"] ?? "")
            }
            try client.send("GET /missing HTTP/1.1\r\nHost: t\r\n\r\n")
            ids.append(try client.readResponse().headers["X-Request-Id"] ?? "")
            #expect(ids.allSatisfy { $0.hasPrefix("test-") })
            #expect(Set(ids).count == 4)
        }
    }

    @Test func accessLogLineForEachRequest() throws {
        let logs = CapturedLogs()
        try withTestServer(logs: logs, routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /hello?x=1 HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
            #expect(eventually { logs.messages.contains { $0.hasPrefix("GET /hello?x=1 200 5B ") && $0.hasSuffix("ms 127.0.0.1") } })
        }
    }

    @Test func accessLogLinesShowABoundedTarget() throws {
        let logs = CapturedLogs()
        try withTestServer(configure: { $0.limits.accessLogTargetBytes = 100 }, logs: logs, routes: echoRoutes) { server in
            let client = try RawClient(port: server.port)
            let target = "/" + String(repeating: "x", count: 8000)
            try client.send("GET \(target) HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == 404)
            let cut = "GET /" + String(repeating: "x", count: 99) + "…[+7901] 404 "
            #expect(eventually { logs.messages.contains { $0.hasPrefix(cut) && $0.hasSuffix("ms 127.0.0.1") } })
            #expect(logs.messages.allSatisfy { $0.utf8.count < 300 })
        }
    }

    @Test func twoServersInOneProcessShareNothing() throws {
        try withTestServer(routes: { $0.add(.get, "/who") { _ in Response(contentType: "text/plain", bytes: Array("one".utf8)) } }) { one in
            try withTestServer(routes: { $0.add(.get, "/who") { _ in Response(contentType: "text/plain", bytes: Array("two".utf8)) } }) { two in
                #expect(one.port != two.port)
                for (server, name) in [(one, "one"), (two, "two")] {
                    let client = try RawClient(port: server.port)
                    try client.send("GET /who HTTP/1.1\r\nHost: t\r\n\r\n")
                    #expect(try client.readResponse().text == name)
                }
            }
        }
    }

    @Test(arguments: ["a b/c", #""><script>"#, "host/path", "[::1"])
    func anInvalidHostIsRefusedBeforeAnyHandler(host: String) throws {
        let reached = CapturedLogs()
        try withTestServer(routes: { router in
            router.add(.get, "/where") { _ in
                reached.logger.info("handler ran")
                return Response(contentType: "text/plain", bytes: [])
            }
        }) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /where HTTP/1.1\r\nHost: \(host)\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.headers["Connection"] == "close")
            #expect(!response.text.contains("script"))
            #expect(client.isClosedByServer())
        }
        #expect(reached.messages.isEmpty)
    }

    @Test func theHandlerSeesTheAbsoluteFormsAuthorityAsHost() throws {
        try withTestServer(routes: { router in
            router.add(.get, "/where") { request in
                Response(contentType: "text/plain", bytes: Array((request.headers.values(for: "Host").joined(separator: ",") + " " + request.path).utf8))
            }
        }) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET http://files.example:8001/where?x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try client.readResponse().text == "files.example:8001 /where")
            try client.send("GET /where HTTP/1.1\r\nHost: [::1]:8001\r\n\r\n")
            #expect(try client.readResponse().text == "[::1]:8001 /where")
        }
    }
}
