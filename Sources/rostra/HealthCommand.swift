import Arguments
import Emulator
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `rostra health`: the container image's HEALTHCHECK, and a wait-for-ready probe for
/// scripts, without needing curl in the image.
struct HealthCommand: RostraCommand {
    static let listening = ListeningOptions(
        hostHelp: "Address Rostra listens on.", shownHostDefault: ListeningOptions.defaultHost,
        portHelp: { "Port of the \($0)." }, ports: 1...65535)
    static let timeout = OptionSpec(
        "timeout", .value(valueName: "seconds"), help: "Seconds each check may take before it counts as a failure.",
        shownDefault: "\(Int(defaultTimeout))")
    static let defaultTimeout = 5.0
    static let timeoutMaximum = 300.0

    static let spec = CommandSpec(
        name: "health",
        abstract: "Check that a running Rostra answers GET /__admin/health on both APIs; exits 0 if healthy, 1 if not.",
        discussion: """
            Without a URL, checks http://<host>:<port>/__admin/health for both APIs, with the host and \
            ports taken as `rostra serve` takes them (flags, then ROSTRA_HOST, ROSTRA_ROSTI_PORT and \
            ROSTRA_ROSA_PORT; a wildcard host such as 0.0.0.0 is checked on loopback). \
            Healthy means a 2xx answer whose JSON, if it has a "status", says "ok".
            """,
        options: listening.all + [timeout],
        arguments: [ArgumentSpec("url", .any, help: "URLs to check instead (http only), e.g. http://127.0.0.1:8000/__admin/health.")]
    )

    /// Each URL as given and as parsed, once: a URL that does not parse is refused here.
    let targets: [(url: String, target: HealthProbe.Target)]
    let timeLimit: Double

    init(_ arguments: ParsedArguments) throws(UsageError) {
        timeLimit = try arguments.value(Self.timeout, expected: "a number of seconds") { Double($0) } ?? Self.defaultTimeout
        guard timeLimit > 0, timeLimit <= Self.timeoutMaximum else {
            throw UsageError("--timeout must be between 0 and \(Int(Self.timeoutMaximum)) seconds.")
        }
        var urls = arguments.positionals
        if urls.isEmpty {
            let listening = try Self.listening.addresses(from: arguments)
            urls = [EmulatedAPI.rosti, .rosa].map { listening.connectableURL(of: $0) + "__admin/health" }
        }
        targets = try urls.map { (url: String) throws(UsageError) in
            guard let target = HealthProbe.Target(url) else { throw UsageError("\(url) is not an http:// URL.") }
            return (url, target)
        }
    }

    func run() throws {
        var failures: [String] = []
        for (url, target) in targets {
            switch HealthProbe.check(target, timeout: timeLimit) {
            case .healthy(let status): print("healthy  \(url)  \(status)")
            case .unhealthy(let reason): failures.append("\(url): \(reason)")
            }
        }
        if !failures.isEmpty { throw CommandFailure("unhealthy: " + failures.joined(separator: "; ")) }
    }
}

/// One `GET` over a plain socket with a deadline: enough for a health check, and no
/// dependency on libcurl (which FoundationNetworking would bring into the image).
enum HealthProbe {
    struct Target {
        let host: String
        let port: Int
        let path: String

        init?(_ text: String) {
            guard let components = URLComponents(string: text), components.scheme?.lowercased() == "http",
                  let host = components.host, !host.isEmpty
            else { return nil }
            self.host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            port = components.port ?? 80
            let query = components.percentEncodedQuery.map { "?" + $0 } ?? ""
            path = (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath) + query
        }
    }

    enum Outcome {
        case healthy(String)
        case unhealthy(String)
    }

    /// The most of an answer read: a health body is a few dozen bytes.
    static let maximumAnswerBytes = 64 * 1024

    static func check(_ target: Target, timeout: Double) -> Outcome {
        let descriptor: Int32
        switch connect(to: target, timeout: timeout) {
        case .success(let connected): descriptor = connected
        case .failure(let reason): return .unhealthy(reason.description)
        }
        defer { close(descriptor) }
        let hostField = target.host.contains(":") ? "[\(target.host)]" : target.host
        let request = Array("GET \(target.path) HTTP/1.1\r\nHost: \(hostField):\(target.port)\r\nConnection: close\r\nUser-Agent: rostra-health\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return .unhealthy("cannot send the request (errno \(errno))") }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while answer.count < maximumAnswerBytes {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 { answer += chunk[0..<count] } else if count == 0 { break } else {
                return errno == EAGAIN || errno == EWOULDBLOCK ? .unhealthy("no answer within \(timeout) s") : .unhealthy("read failed (errno \(errno))")
            }
        }
        return judge(String(decoding: answer, as: UTF8.self))
    }

    /// Healthy: a 2xx status and, if the body is a JSON object with a "status", "ok".
    static func judge(_ answer: String) -> Outcome {
        let statusLine = answer.prefix { $0 != "\r" && $0 != "\n" }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            return .unhealthy("not an HTTP answer: \(statusLine.prefix(80))")
        }
        guard (200..<300).contains(status) else { return .unhealthy("status \(statusLine.dropFirst(parts[0].count + 1))") }
        if let separator = answer.range(of: "\r\n\r\n"),
           let body = try? JSONSerialization.jsonObject(with: Data(answer[separator.upperBound...].utf8)) as? [String: Any],
           let reported = body["status"] as? String, reported != "ok" {
            return .unhealthy("status \(status) but the body says \"\(reported)\"")
        }
        return .healthy(String(status))
    }

    struct ConnectFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// A blocking socket whose connect, send and receive each give up after `timeout`.
    private static func connect(to target: Target, timeout: Double) -> Result<Int32, ConnectFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(target.host, String(target.port), &hints, &found)
        guard resolved == 0, let first = found else {
            return .failure(ConnectFailure(description: "cannot resolve \(target.host): \(String(cString: gai_strerror(resolved)))"))
        }
        defer { freeaddrinfo(first) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        var lastError: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard descriptor >= 0 else { lastError = errno; continue }
            // On Linux SO_SNDTIMEO bounds connect() too.
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return .success(descriptor) }
            lastError = errno
            close(descriptor)
        }
        return .failure(ConnectFailure(description: "cannot connect to \(target.host):\(target.port): \(String(cString: strerror(lastError)))"))
    }
}
