import Logging
import Primitives
import Synchronization

/// Collects what a logger logs at `level` or above, so tests can check what the server
/// said (an access line, or that nothing went wrong).
public final class CapturedLogs: Sendable {
    private let entries = AdaptiveMutex<[String]>([])
    public let level: Logger.Level

    public init(level: Logger.Level = .info) { self.level = level }

    public var messages: [String] { entries.withLock { $0 } }

    func append(_ message: String) { entries.withLock { $0.append(message) } }

    public var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingLogHandler(logs: self) }
        logger.logLevel = level
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level

    init(logs: CapturedLogs) {
        self.logs = logs
        logLevel = logs.level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        logs.append(event.message.description)
    }
}
