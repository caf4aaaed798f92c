#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// One parsed request, as handed to middleware and handlers. A value: middleware that adds
/// something (a tenant, an authenticated user) passes a modified copy to `next`.
public struct Request: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as received (RFC 9112 §3.2).
    public var target: String
    /// The path of the target, still percent-encoded; the router matches on it.
    public var path: String
    /// The query of the target without the `?`, still percent-encoded.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: RequestBody
    /// Filled in by the router from `{name}` segments, percent-decoded.
    public var parameters: PathParameters
    /// The route the router matched, set before the middleware of its group run (so they
    /// can tell a request the router will answer 405); nil before routing.
    public internal(set) var route: MatchedRoute?
    /// The numeric IP of the client.
    public var remoteAddress: String
    /// `https` when the request came over TLS, else `http`: for answers that name their
    /// own URL (a redirect's `Location`, a page's examples).
    public var scheme = "http"
    /// Unique within the process; also in every log line about this request.
    public var id: String
    /// The server's logger, without the request's id (see `logger`).
    public var serverLogger: Logger
    /// The server's logger with this request's id as `request-id` metadata. Made on use:
    /// setting metadata copies the handler's metadata (and some handlers render it at
    /// once), measured at about 5% of a small API read, and most requests log nothing.
    public var logger: Logger {
        var logger = serverLogger
        logger[metadataKey: "request-id"] = .string(id)
        return logger
    }
    /// Values that middleware attaches for those after it (see `RequestStorageKey`).
    public var storage: RequestStorage
    /// The connection serving the request, when a server serves it (see `whileWaiting`,
    /// `pause(for:)`).
    var connection: (any ServingConnection)?

    /// Runs `body`, which waits rather than computes (a wait on another process): the
    /// server's worker pool then does not count this thread as running, and serves other
    /// connections on another meanwhile. Without it the pool notices only after
    /// `HTTPLimits.stallCheckInterval`, one worker at a time. For a deliberate delay use
    /// `pause(for:)`, which also ends with the client.
    public func whileWaiting<Result>(_ body: () throws -> Result) rethrows -> Result {
        guard let connection else { return try body() }
        return try connection.waiting(body)
    }

    /// Waits `duration` on purpose (a fault's delay, added latency), counted as waiting
    /// like `whileWaiting`, and watching the client meanwhile:
    /// - a client that closes its connection (or shuts down its sending side) ends the wait
    ///   at once with `HTTPError(.clientClosedRequest)` (499); the engine then closes the
    ///   connection without an answer, freeing its worker and its connection slot;
    /// - at most `HTTPLimits.maxDelayedRequests` requests of a server wait at once: one more
    ///   throws `HTTPError(.serviceUnavailable)` at once, without waiting.
    /// Outside a server (a request made in a test) it simply sleeps.
    public func pause(for duration: Duration) throws {
        if let connection { return try connection.pause(for: duration) }
        let nanoseconds = max(0, duration.nanoseconds)
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && currentErrno() == EINTR { request = remaining }
    }

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = [:], body: RequestBody = RequestBody(bytes: []),
        remoteAddress: String = "127.0.0.1", id: String = "0",
        logger: Logger = Logger(label: "rostra.request", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.method = method
        self.target = target
        let (path, query) = Request.split(target: target)
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.parameters = PathParameters()
        self.remoteAddress = remoteAddress
        self.id = id
        self.serverLogger = logger
        self.storage = RequestStorage()
    }

    /// Splits an origin-form or absolute-form target into path and query (RFC 9112 §3.2).
    static func split(target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        // absolute-form: drop "scheme://authority" and keep its path.
        if rest.utf8.first != UInt8(ascii: "/"), let colon = rest.utf8.firstIndex(of: UInt8(ascii: ":")),
           rest[colon...].hasPrefix("://") {
            let afterAuthority = rest[rest.utf8.index(colon, offsetBy: 3)...]
            if let start = afterAuthority.utf8.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) {
                rest = afterAuthority[start...]
                if rest.utf8.first == UInt8(ascii: "?") { return ("/", String(rest.dropFirst())) }
            } else {
                rest = "/"
            }
        }
        if let question = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
            return (String(rest[..<question]), String(rest[rest.utf8.index(after: question)...]))
        }
        return (String(rest), nil)
    }

    /// The decoded query parameters in order (`+` is a space, as HTML forms send it).
    public var queryItems: [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(parts[0], plusAsSpace: true)
            let value = parts.count > 1 ? PercentDecoding.decode(parts[1], plusAsSpace: true) : ""
            return (name: name, value: value)
        }
    }

    /// The first value of a query parameter.
    /// Walks the pairs and decodes only the one asked for (every find asks for `hash`).
    public func queryValue(_ name: String) -> String? {
        guard let query, !query.isEmpty else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard PercentDecoding.decode(parts[0], plusAsSpace: true) == name else { continue }
            return parts.count > 1 ? PercentDecoding.decode(parts[1], plusAsSpace: true) : ""
        }
        return nil
    }

    /// Whether the client asked to keep the connection open after this exchange
    /// (RFC 9112 §9.3: persistent by default in 1.1, on request in 1.0).
    public var wantsKeepAlive: Bool {
        if headers.containsToken("close", in: "Connection") { return false }
        if version == .http1_0 { return headers.containsToken("keep-alive", in: "Connection") }
        return true
    }
}

/// Path parameters captured by the router, in pattern order.
public struct PathParameters: Sendable {
    private var values: [(name: String, value: String)] = []

    public init() {}

    public subscript(name: String) -> String? {
        values.first { $0.name == name }?.value
    }

    public mutating func set(_ name: String, _ value: String) {
        values.removeAll { $0.name == name }
        values.append((name: name, value: value))
    }

    public var isEmpty: Bool { values.isEmpty }
}

/// A key for a value that middleware attaches to a request.
public protocol RequestStorageKey {
    associatedtype Value: Sendable
}

/// Typed, per-request values keyed by `RequestStorageKey` types.
public struct RequestStorage: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]

    public init() {}

    public subscript<Key: RequestStorageKey>(_ key: Key.Type) -> Key.Value? {
        get { values[ObjectIdentifier(key)] as? Key.Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }
}

/// Percent-decoding of URI components (RFC 3986 §2.1).
public enum PercentDecoding {
    /// Decodes `%XX` escapes; malformed escapes are kept as they are, and invalid UTF-8 is
    /// replaced, so decoding never fails.
    public static func decode<S: StringProtocol>(_ text: S, plusAsSpace: Bool = false) -> String {
        let utf8 = text.utf8
        if !utf8.contains(UInt8(ascii: "%")) && !(plusAsSpace && utf8.contains(UInt8(ascii: "+"))) {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var iterator = Array(utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let high = hexValue(iterator[iterator.startIndex]),
               let low = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else if byte == UInt8(ascii: "+"), plusAsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// What a request reaches of the connection serving it.
protocol ServingConnection: Sendable {
    /// Counts the calling thread as waiting while `body` runs (`WorkerPool`).
    func waiting<Result>(_ body: () throws -> Result) rethrows -> Result
    /// A deliberate delay that ends with the client (`Request.pause(for:)`).
    func pause(for duration: Duration) throws
}
