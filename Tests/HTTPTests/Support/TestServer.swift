#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Logging
import Synchronization
import TestSupport

/// Starts a real server on a free port, runs `body`, then shuts it down.
func withTestServer(
    configure: (inout ServerConfiguration) -> Void = { _ in },
    logs: CapturedLogs = CapturedLogs(),
    routes: (inout Router) -> Void,
    _ body: (HTTPServer) throws -> Void
) throws {
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, name: "test")
    configure(&configuration)
    var router = Router()
    routes(&router)
    let server = try HTTPServer(configuration: configuration, responder: router, logger: logs.logger)
    server.start()
    defer { server.shutdown(gracePeriod: .seconds(1)) }
    try body(server)
}

func echoRoutes(_ router: inout Router) {
    router.add(.get, "/hello") { _ in Response(contentType: "text/plain", bytes: Array("hello".utf8)) }
    router.add(.post, "/echo") { request in
        Response(contentType: "application/octet-stream", bytes: try request.body.collect(upTo: 1 << 20))
    }
    router.add(.post, "/ignore-body") { _ in Response(contentType: "text/plain", bytes: Array("ignored".utf8)) }
}
