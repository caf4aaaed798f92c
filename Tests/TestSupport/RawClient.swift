#if canImport(Glibc)
import Glibc
#endif
import COpenSSL
import HTTP

/// A response as read off the wire by `RawClient`.
public struct RawResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public struct RawClientError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// A deliberately plain blocking HTTP/1.1 client on a raw socket, so tests control every
/// byte sent (malformed requests and bodies, pipelining, slow clients) and see every byte
/// received. Shared by every test target through the `TestSupport` module.
///
/// Given `TLSClientOptions`, it speaks through a TLS session of its own (OpenSSL, as a
/// client), the bytes above it the same.
public final class RawClient {
    public let descriptor: Int32
    private var buffer: [UInt8] = []
    /// The TLS session, when the client speaks TLS.
    private var tls: TLSClientSession?

    /// `receiveTimeout`: how long a read waits before the client gives up. 30 s by default:
    /// the whole suite runs in parallel on two cores (servers, crash rounds, 10,000-
    /// connection floods), and one answer in a test's hundred once took over 10 s to come;
    /// a server that really stops answering still fails the test.
    public init(port: Int, receiveTimeout: Double = 30) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw RawClientError(description: "connect failed: errno \(errno)")
        }
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Connects and completes a TLS handshake as `options` say; throws with OpenSSL's reason
    /// when the handshake fails.
    public convenience init(port: Int, tls options: TLSClientOptions, receiveTimeout: Double = 30) throws {
        try self.init(port: port, receiveTimeout: receiveTimeout)
        tls = try TLSClientSession(descriptor: descriptor, options: options)
    }

    deinit {
        tls = nil
        close(descriptor)
    }

    /// The protocol ALPN chose, and the TLS version, on a TLS client.
    public var negotiatedProtocol: String? { tls?.negotiatedProtocol }
    public var tlsVersion: String? { tls?.version }
    public var tlsCipher: String? { tls?.cipher }
    /// The server ended the TLS session with close_notify.
    public var receivedCloseNotify: Bool { tls?.receivedCloseNotify ?? false }

    /// Holds what is sent back until `uncork`, so that several TLS records (or requests)
    /// leave in one segment and arrive at the server together.
    public func cork(_ on: Bool) {
        var value: Int32 = on ? 1 : 0
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        if let tls { return try tls.send(bytes) }
        try Self.send(bytes, on: descriptor)
    }

    /// Sends close_notify (TLS), then ends the sending side: the server sees end of stream.
    public func shutdownWrite() {
        tls?.closeNotify()
        Glibc.shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Sends on a client's descriptor from another thread (sending while this one reads).
    public static func send(_ bytes: [UInt8], on descriptor: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw RawClientError(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Reads more bytes into the buffer; false at end of stream or time-out.
    @discardableResult
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { tls?.receive(into: $0) ?? recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[..<index]
                buffer.removeFirst(index + 1)
                return String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
            }
            guard fill() else { throw RawClientError(description: "connection ended inside a line") }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard fill() else { throw RawClientError(description: "connection ended after \(buffer.count) of \(count) bytes") }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// Reads one response. `head` tells whether it answers a HEAD request (no body).
    public func readResponse(head: Bool = false) throws -> RawResponse {
        var statusLine = try readLine()
        var headers = HTTPHeaders()
        var status = 0
        repeat {
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, let code = Int(parts[1]) else { throw RawClientError(description: "bad status line \(statusLine)") }
            status = code
            headers = HTTPHeaders()
            while case let line = try readLine(), !line.isEmpty {
                let colon = line.firstIndex(of: ":")!
                headers.add(name: String(line[..<colon]), value: String(line[line.index(after: colon)...].trimmingHTTPWhitespace()))
            }
            if status == 100 { statusLine = try readLine() }
        } while status == 100
        if head || status == 204 || status == 304 { return RawResponse(status: status, headers: headers, body: []) }
        if let length = headers["Content-Length"].flatMap(Int.init) {
            return RawResponse(status: status, headers: headers, body: try readExactly(length))
        }
        if headers["Transfer-Encoding"] == "chunked" {
            var body: [UInt8] = []
            while true {
                let size = Int(try readLine().split(separator: ";")[0], radix: 16)!
                if size == 0 { _ = try readLine(); break }
                body += try readExactly(size)
                _ = try readLine()
            }
            return RawResponse(status: status, headers: headers, body: body)
        }
        return RawResponse(status: status, headers: headers, body: readUntilClose())
    }

    /// Reads for the 100 Continue interim response only.
    public func readInterimLine() throws -> String {
        let line = try readLine()
        _ = try readLine()
        return line
    }

    /// Whether bytes (or the end of the stream) are waiting to be read, without waiting.
    public func hasSomethingToRead() -> Bool {
        if !buffer.isEmpty || tls?.hasPending == true { return true }
        var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptorSet, 1, 0) > 0
    }

    /// Everything until the server closes (or the receive time-out passes).
    public func readUntilClose() -> [UInt8] {
        while fill() {}
        defer { buffer = [] }
        return buffer
    }

    /// Whether the server closed the connection (end of stream or reset) with nothing more.
    public func isClosedByServer() -> Bool {
        buffer.isEmpty && !fill()
    }
}
