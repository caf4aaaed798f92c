import EmulatorState
import Foundation
import HTTP
import JSON
import Logging

/// One JSON object per line on standard error, for machines (`--log-format json`):
/// `{"time": "…", "level": "info", "label": "rostra", "message": "…", "request-id": "…", …}`.
struct JSONLogHandler: LineLogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in self.fields(of: event) {
            fields[key] = "\(value)"
        }
        fields["time"] = Self.timestamp()
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        let line = fields.keys.sorted().map { "\(JSONString.quote($0)):\(JSONString.quote(fields[$0]!))" }.joined(separator: ",")
        writeLine("{" + line + "}")
    }

    private static func timestamp() -> String {
        ISO8601Time.format(Date().timeIntervalSince1970, milliseconds: true)
    }
}
