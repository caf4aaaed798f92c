import Primitives

/// The engine's log lines about requests, at `info`, through swift-log:
///
///     GET /api/v1/check 200 4B 0.31ms 127.0.0.1
///
/// method, target, status (`dropped` for a fault-injected drop or raw bytes), content bytes
/// sent, duration, client address; and for a request refused before it could be served,
/// `127.0.0.1 - 400 Malformed request line: invalid method.`
enum AccessLog {
    static func line(method: HTTPMethod, target: String, status: HTTPStatus?, bytes: Int, elapsed: Duration, client: String) -> String {
        let statusText = status.map { String($0.code) } ?? "dropped"
        let milliseconds = (elapsed.milliseconds * 100).rounded() / 100
        return "\(method) \(target) \(statusText) \(bytes)B \(milliseconds)ms \(client)"
    }

    static func refusal(_ error: HTTPError, client: String) -> String {
        "\(client) - \(error.status.code) \(error.message ?? "")"
    }
}
