import Foundation
import Logging

/// What rostra's two log handlers share: metadata kept as set (rendered only when a line
/// is written), merged with an event's own, and one write per line on standard error.
protocol LineLogHandler: LogHandler {
    var metadata: Logger.Metadata { get set }
}

extension LineLogHandler {
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The handler's metadata with the event's on top.
    func fields(of event: LogEvent) -> Logger.Metadata {
        guard let extra = event.metadata else { return metadata }
        return metadata.merging(extra, uniquingKeysWith: { $1 })
    }

    /// One write per line: lines from concurrent threads never interleave (below PIPE_BUF).
    func writeLine(_ line: String) {
        Output.standardError(line + "\n")
    }
}
