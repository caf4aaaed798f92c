#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Logging
import Synchronization

/// Collects log messages so tests can check what the server logged.
final class CapturedLogs: Sendable {
    private let messages = Mutex<[String]>([])

    var all: [String] { messages.withLock { $0 } }

    func append(_ message: String) { messages.withLock { $0.append(message) } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingLogHandler(logs: self) }
        logger.logLevel = .info
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        logs.append(event.message.description)
    }
}

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

/// Waits (up to `timeout`) for `condition`; for states another thread reaches.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicTime.now() + timeout
    while MonotonicTime.now() < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}

func echoRoutes(_ router: inout Router) {
    router.add(.get, "/hello") { _ in Response(contentType: "text/plain", bytes: Array("hello".utf8)) }
    router.add(.post, "/echo") { request in
        Response(contentType: "application/octet-stream", bytes: try request.body.collect(upTo: 1 << 20))
    }
    router.add(.post, "/ignore-body") { _ in Response(contentType: "text/plain", bytes: Array("ignored".utf8)) }
}

/// An atomic integer that escaping handler closures can capture (`Atomic` itself cannot be
/// captured: it is not copyable).
final class SharedCounter: Sendable {
    private let value = Atomic<Int64>(0)

    var current: Int64 { value.load(ordering: .relaxed) }

    func add(_ amount: Int64) { value.add(amount, ordering: .relaxed) }

    func raise(to candidate: Int64) { value.max(candidate, ordering: .relaxed) }
}
