import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where the front door listens, for probes.
public struct FrontDoorAddress: Sendable, Equatable {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// apps-status's `http_status`: one `GET /` as a browser would send it, through the front
/// door by the app's host name (or, with no front door, straight to the app's published
/// front), and the status it answers.
public enum AppProbe {
    /// The status line's code, or nil when nothing answered within `timeout`.
    public static func status(through frontDoor: FrontDoorAddress?, hostName: String, fallbackPort: Int?, timeout: Double = 2) -> Int? {
        if let frontDoor { return get(host: frontDoor.host, port: frontDoor.port, hostName: hostName, timeout: timeout) }
        guard let fallbackPort else { return nil }
        return get(host: "127.0.0.1", port: fallbackPort, hostName: hostName, timeout: timeout)
    }

    static func get(host: String, port: Int, hostName: String, timeout: Double) -> Int? {
        var hints = addrinfo(
            ai_flags: AI_NUMERICHOST, ai_family: AF_UNSPEC, ai_socktype: Int32(SOCK_STREAM.rawValue), ai_protocol: 0, ai_addrlen: 0,
            ai_addr: nil, ai_canonname: nil, ai_next: nil)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else { return nil }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else { return nil }
        let request = "GET / HTTP/1.1\r\nHost: \(hostName)\r\nUser-Agent: rostra-probe\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while received.count < 64 {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        // "HTTP/1.1 200 OK"
        let line = String(decoding: received.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let code = Int(words[1]) else { return nil }
        return code
    }
}

/// Whether a host name reaches this machine without any DNS server: `localhost` and every
/// `*.localhost` name (RFC 6761; browsers and curl resolve them to loopback themselves), and
/// names `/etc/hosts` gives a loopback address or one of this machine's.
public enum HostNames {
    public static func resolvesHere(_ name: String, hostsFile: String = "/etc/hosts") -> Bool {
        let lowered = name.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if lowered == "localhost" || lowered.hasSuffix(".localhost") { return true }
        let text = (try? String(contentsOfFile: hostsFile, encoding: .utf8)) ?? ""
        let local = localAddresses()
        for line in text.split(separator: "\n") {
            let words = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .split(whereSeparator: { $0 == " " || $0 == "\t" }) ?? []
            guard words.count >= 2 else { continue }
            let address = String(words[0])
            guard words.dropFirst().contains(where: { $0.lowercased() == lowered }) else { continue }
            if address.hasPrefix("127.") || address == "::1" || local.contains(address) { return true }
        }
        return false
    }

    /// The addresses of this machine's interfaces, as text.
    static func localAddresses() -> Set<String> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var addresses: Set<String> = []
        var current = list
        while let entry = current {
            defer { current = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            if getnameinfo(address, length, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.insert(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return addresses
    }
}
