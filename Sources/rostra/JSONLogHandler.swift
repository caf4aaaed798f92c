import Foundation
import HTTP
import Logging

/// One JSON object per line on standard error, for machines (`--log-format json`):
/// `{"time": "…", "level": "info", "label": "rostra", "message": "…", "request-id": "…", …}`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            fields[key] = "\(value)"
        }
        fields["time"] = Self.timestamp()
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        let line = fields.keys.sorted().map { "\(JSONString.quote($0)):\(JSONString.quote(fields[$0]!))" }.joined(separator: ",")
        // One write per line: lines from concurrent threads never interleave (below PIPE_BUF).
        FileHandle.standardError.write(Data(("{" + line + "}\n").utf8))
    }

    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
