import CLinux
import Foundation
import Primitives

#if canImport(Glibc)
import Glibc
#endif

/// An app's SSH port on the host: a TCP socket bound to the port. It listens while the app
/// takes connections; while an admin fault refuses them it stays bound without listening,
/// which keeps the port the app's (no other program can take it) while every connection
/// attempt is refused by the kernel.
final class SSHEndpoint: Sendable {
    let port: Int
    private let socket = AdaptiveMutex<(descriptor: Int32, listening: Bool)>((-1, false))

    private init(port: Int, descriptor: Int32, listening: Bool) {
        self.port = port
        socket.withLock { $0 = (descriptor, listening) }
    }

    deinit { close() }

    /// The socket's descriptor while it is open.
    var descriptor: Int32? { socket.withLock { $0.descriptor >= 0 ? $0.descriptor : nil } }
    var isListening: Bool { socket.withLock { $0.listening } }

    /// Binds `port` on `address` and listens; nil when the port is taken (or not allowed).
    static func bind(_ address: BindAddress, port: Int, listening: Bool = true) -> SSHEndpoint? {
        guard let descriptor = address.boundSocket(port: port, listening: listening) else { return nil }
        return SSHEndpoint(port: port, descriptor: descriptor, listening: listening)
    }

    /// Stops listening but keeps the port: a new bound socket replaces the listening one
    /// (a listening socket cannot stop listening and keep its port).
    ///
    /// The listening socket may outlive its close for a moment: a child process being
    /// spawned at that instant holds a copy of every descriptor until it execs (the socket
    /// is close-on-exec). While it lives, the port cannot be bound again and connections
    /// are still taken; so the new socket is bound again and again, up to `patience`, and
    /// once it is, no listener is left and every connection is refused.
    func refuse(on address: BindAddress, patience: Duration) {
        socket.withLock { socket in
            guard socket.listening else { return }
            Glibc.close(socket.descriptor)
            socket.descriptor = Self.boundAgain(address, port: port, patience: patience)
            socket.listening = false
        }
    }

    private static func boundAgain(_ address: BindAddress, port: Int, patience: Duration) -> Int32 {
        let deadline = ContinuousClock.now + patience
        while true {
            if let descriptor = address.boundSocket(port: port, listening: false) { return descriptor }
            guard ContinuousClock.now < deadline else { return -1 }
            usleep(2_000)
        }
    }

    /// Listens again on the kept port; false if the port was lost meanwhile.
    func listen(on address: BindAddress, patience: Duration) -> Bool {
        socket.withLock { socket in
            if socket.listening { return true }
            if socket.descriptor < 0 { socket.descriptor = Self.boundAgain(address, port: port, patience: patience) }
            guard socket.descriptor >= 0, Glibc.listen(socket.descriptor, SOMAXCONN) == 0 else { return false }
            socket.listening = true
            return true
        }
    }

    /// One pending connection, blocking and close-on-exec; nil when none is waiting.
    func accept() -> Int32? {
        socket.withLock { socket in
            guard socket.listening else { return nil }
            while true {
                let connection = Glibc.accept(socket.descriptor, nil, nil)
                if connection >= 0 {
                    _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                    return connection
                }
                if errno == EINTR { continue }
                return nil
            }
        }
    }

    func close() {
        socket.withLock { socket in
            if socket.descriptor >= 0 { Glibc.close(socket.descriptor) }
            socket = (-1, false)
        }
    }
}

/// The address SSH endpoints are bound to (the listening host, `--host`), resolved once.
public struct BindAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    private let family: Int32
    /// The resolved `sockaddr`'s bytes, any port.
    private let address: [UInt8]

    /// Resolves `host` (a numeric address or a name) for binding; throws when it has none.
    public init(host: String) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, "0", &hints, &list)
        guard status == 0, let first = list else {
            throw HostFileError(operation: "resolve", path: host, code: EINVAL)
        }
        defer { freeaddrinfo(list) }
        self.host = host
        family = first.pointee.ai_family
        address = Array(UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
    }

    public var description: String { host }

    /// A socket bound to `port` (listening when asked), close-on-exec and non-blocking; nil
    /// when the port cannot be had.
    func boundSocket(port: Int, listening: Bool) -> Int32? {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var one: Int32 = 1
        // A restarted Rostra takes its apps' ports back while old connections sit in TIME_WAIT.
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var bytes = address
        bytes.withUnsafeMutableBytes { raw in
            // The port sits at the same offset in sockaddr_in and sockaddr_in6.
            let bigEndian = UInt16(port).bigEndian
            withUnsafeBytes(of: bigEndian) { raw.baseAddress!.advanced(by: 2).copyMemory(from: $0.baseAddress!, byteCount: 2) }
        }
        let bound = bytes.withUnsafeBytes { raw in
            Glibc.bind(descriptor, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        guard bound == 0, !listening || Glibc.listen(descriptor, SOMAXCONN) == 0 else {
            Glibc.close(descriptor)
            return nil
        }
        return descriptor
    }
}

/// One thread that waits on every app's SSH endpoint at once (epoll) and hands each
/// accepted connection to its app.
final class SSHAcceptor: Sendable {
    typealias Handler = @Sendable (Int32) -> Void

    private struct Registration {
        let endpoint: SSHEndpoint
        let handler: Handler
    }

    private let poller: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// By token (the epoll data), never by descriptor: a closed descriptor's number may be
    /// reused before the thread sees its last event.
    private let registrations = AdaptiveMutex<(next: UInt64, byToken: [UInt64: Registration], stopping: Bool)>((1, [:], false))
    private let finished = DispatchSemaphore(value: 0)

    init() throws {
        poller = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard poller >= 0 else { throw HostFileError(operation: "epoll_create1", path: "", code: errno) }
        guard let ends = makePipe() else {
            Glibc.close(poller)
            throw HostFileError(operation: "pipe", path: "", code: errno)
        }
        _ = fcntl(ends.write, F_SETFL, fcntl(ends.write, F_GETFL) | O_NONBLOCK)
        wakeRead = ends.read
        wakeWrite = ends.write
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: 0))
        epoll_ctl(poller, EPOLL_CTL_ADD, wakeRead, &event)
        let thread = Thread { [self] in run() }
        thread.name = "rostra-ssh-accept"
        thread.start()
    }

    deinit {
        Glibc.close(poller)
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// Watches `endpoint` (when it listens) until `withdraw(token)`; returns the token.
    func watch(_ endpoint: SSHEndpoint, handler: @escaping Handler) -> UInt64 {
        registrations.withLock { state in
            let token = state.next
            state.next += 1
            state.byToken[token] = Registration(endpoint: endpoint, handler: handler)
            if let descriptor = endpoint.descriptor, endpoint.isListening {
                var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: token))
                epoll_ctl(poller, EPOLL_CTL_ADD, descriptor, &event)
            }
            return token
        }
    }

    /// Stops watching; the endpoint's socket is the caller's to close afterwards.
    func withdraw(_ token: UInt64) {
        registrations.withLock { state in
            guard let registration = state.byToken.removeValue(forKey: token) else { return }
            if let descriptor = registration.endpoint.descriptor {
                epoll_ctl(poller, EPOLL_CTL_DEL, descriptor, nil)
            }
        }
    }

    /// Puts the endpoint's (possibly new) socket back in the set after it listens again.
    func rewatch(_ token: UInt64) {
        registrations.withLock { state in
            guard let registration = state.byToken[token], let descriptor = registration.endpoint.descriptor,
                registration.endpoint.isListening
            else { return }
            var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: token))
            if epoll_ctl(poller, EPOLL_CTL_ADD, descriptor, &event) != 0 && errno == EEXIST {
                epoll_ctl(poller, EPOLL_CTL_MOD, descriptor, &event)
            }
        }
    }

    /// Ends the thread; nothing is accepted afterwards.
    func stop() {
        let first = registrations.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
        finished.wait()
    }

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        loop: while true {
            let count = epoll_wait(poller, &events, Int32(events.count), -1)
            if count < 0 {
                if errno == EINTR { continue }
                break
            }
            for event in events[0..<Int(count)] {
                let token = event.data.u64
                if token == 0 {
                    if registrations.withLock({ $0.stopping }) { break loop }
                    continue
                }
                guard let registration = registrations.withLock({ $0.byToken[token] }) else { continue }
                while let connection = registration.endpoint.accept() { registration.handler(connection) }
            }
        }
        finished.signal()
    }
}
