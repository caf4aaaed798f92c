import Primitives

/// The engine's log lines about requests, at `info`, through swift-log:
///
///     GET /api/v1/check 200 4B 0.31ms 127.0.0.1
///
/// method, target, status (`dropped` for a fault-injected drop or raw bytes), content bytes
/// sent, duration, client address; and for a request refused before it could be served,
/// `127.0.0.1 - 400 Malformed request line: invalid method.`
///
/// A target, a method, or a refusal's reason (which may quote a field value), longer than
/// `HTTPLimits.accessLogTargetBytes` is cut there and marked with `…[+N]`, N being the bytes
/// left out: every line stays short whatever a client sends. The mark cannot be mistaken
/// for part of a target, which is ASCII (the parser refuses anything else).
enum AccessLog {
    static func line(
        method: HTTPMethod, target: String, status: HTTPStatus?, bytes: Int, elapsed: Duration, client: String,
        maximumTargetBytes: Int
    ) -> String {
        let statusText = status.map { String($0.code) } ?? "dropped"
        let milliseconds = (elapsed.milliseconds * 100).rounded() / 100
        return "\(bounded(method.rawValue, to: maximumTargetBytes)) \(bounded(target, to: maximumTargetBytes)) \(statusText) \(bytes)B \(milliseconds)ms \(client)"
    }

    static func refusal(_ error: HTTPError, client: String, maximumReasonBytes: Int) -> String {
        "\(client) - \(error.status.code) \(bounded(error.message ?? "", to: maximumReasonBytes))"
    }

    /// `text` itself when it fits in `limit` UTF-8 bytes; else its first `limit` bytes (whole
    /// scalars) and the mark of how many bytes were cut.
    static func bounded(_ text: String, to limit: Int) -> String {
        let count = text.utf8.count
        guard count > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: max(0, limit))
        // Back to the start of a scalar, so no character is cut in half.
        while end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
        let kept = text[..<end]
        return "\(kept)…[+\(count - kept.utf8.count)]"
    }
}
