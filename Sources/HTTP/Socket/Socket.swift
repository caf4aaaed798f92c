#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLinux
import Primitives

/// The one place where the engine makes socket system calls. Every call that can be
/// interrupted retries on `EINTR`; every failure carries the `errno` of that call.
/// Sockets are non-blocking: waiting happens in `poll` with a deadline, never inside a
/// read or a write, so that no timeout can be missed.
struct Socket: Sendable {
    let descriptor: Int32

    /// What a non-blocking read produced.
    enum ReadResult {
        case bytes(Int)
        case endOfStream
        case wouldBlock
    }

    /// What a wait for readiness produced.
    enum WaitResult {
        case ready
        case timedOut
        /// The shutdown event fired while waiting.
        case interrupted
    }

    // MARK: Listening

    /// Creates a listening socket bound to `host:port` (port 0 = any free port).
    static func listen(host: String, port: Int, backlog: Int32) throws -> Socket {
        let address = try SocketAddress.resolve(host: host, port: port)
        let fd = socket(address.family, socketStreamType | socketCloseOnExec, 0)
        guard fd >= 0 else { throw SocketError.lastError("socket") }
        let listener = Socket(descriptor: fd)
        do {
            // SO_REUSEADDR lets a restarted emulator bind while old connections sit in TIME_WAIT.
            try listener.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            let bound = address.withSockaddr { bind(fd, $0, $1) }
            guard bound == 0 else { throw SocketError.lastError("bind \(host):\(port)") }
            guard Glibc.listen(fd, backlog) == 0 else { throw SocketError.lastError("listen") }
            try listener.setNonBlocking()
        } catch {
            listener.close()
            throw error
        }
        return listener
    }

    /// The port the socket is bound to (the answer to "port 0").
    func localPort() throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw SocketError.lastError("getsockname") }
        return SocketAddress(storage: storage).port
    }

    /// Accepts one connection: `nil` when none is pending; throws with the `errno` otherwise
    /// (the accept loop decides which errors are transient).
    func accept() throws -> (Socket, String)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(descriptor, $0, &length) }
            }
            if fd >= 0 {
                // accept4 is not exported to Swift by Glibc; two fcntl calls do its work.
                let accepted = Socket(descriptor: fd)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                do {
                    try accepted.setNonBlocking()
                } catch {
                    accepted.close()
                    throw error
                }
                return (accepted, SocketAddress(storage: storage).description)
            }
            let error = currentErrno()
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return nil }
            throw SocketError(call: "accept", errno: error)
        }
    }

    // MARK: Options

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws {
        var value = value
        guard setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError.lastError("setsockopt")
        }
    }

    func setNonBlocking() throws {
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0, fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw SocketError.lastError("fcntl(O_NONBLOCK)")
        }
    }

    /// Small responses go out at once instead of waiting for Nagle's algorithm to batch them.
    func setNoDelay() {
        try? setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    // MARK: Reading and writing

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> ReadResult {
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .endOfStream }
            let error = currentErrno()
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .wouldBlock }
            // A reset by the peer is the same, for us, as the peer going away.
            if error == ECONNRESET { return .endOfStream }
            throw SocketError(call: "recv", errno: error)
        }
    }

    /// Writes as much as the kernel takes now; returns the byte count (0 = would block).
    /// `MSG_NOSIGNAL`: a peer that went away must give us `EPIPE`, not kill the process.
    func write(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        while true {
            let count = send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return count }
            let error = currentErrno()
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return 0 }
            throw SocketError(call: "send", errno: error)
        }
    }

    enum SendFileResult {
        case sent(Int)
        case wouldBlock
        case endOfFile
    }

    /// Sends file bytes without copying them through user space, advancing `offset`.
    func sendFile(_ file: Int32, offset: inout Int64, count: Int) throws -> SendFileResult {
        while true {
            var position = off_t(offset)
            let sent = Glibc.sendfile(descriptor, file, &position, count)
            if sent > 0 {
                offset = Int64(position)
                return .sent(sent)
            }
            if sent == 0 { return .endOfFile }
            let error = currentErrno()
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .wouldBlock }
            throw SocketError(call: "sendfile", errno: error)
        }
    }

    /// Waits until the socket is readable (or writable), the deadline passes, or — when
    /// given — the shutdown event descriptor fires.
    func wait(
        forWriting: Bool = false, until deadline: MonotonicTime?, orEvent event: Int32? = nil
    ) throws -> WaitResult {
        let interest = Int16(forWriting ? POLLOUT : POLLIN)
        var fds = [pollfd(fd: descriptor, events: interest, revents: 0)]
        if let event { fds.append(pollfd(fd: event, events: Int16(POLLIN), revents: 0)) }
        while true {
            let timeout = deadline.map { $0.millisecondsRemaining() } ?? -1
            let result = poll(&fds, nfds_t(fds.count), timeout)
            if result < 0 {
                if currentErrno() == EINTR { continue }
                throw SocketError.lastError("poll")
            }
            if result == 0 {
                // poll may return a little early; only a passed deadline is a time-out.
                if let deadline, MonotonicTime.now() < deadline { continue }
                return .timedOut
            }
            if fds.count > 1, fds[1].revents != 0 { return .interrupted }
            // POLLHUP/POLLERR count as ready: the next read or write reports what happened.
            return .ready
        }
    }

    /// Waits until the peer goes away — closes, shuts down its sending side, or resets — or
    /// the deadline passes; true when it went. Input that arrives meanwhile (a pipelined
    /// request) does not end the wait. A half-close counts as gone, as nginx takes it
    /// during a request: the client has said it sends nothing more.
    func waitForHangUp(until deadline: MonotonicTime) throws -> Bool {
        // POLLRDHUP (a FIN from the peer) is Linux's; Swift's Glibc leaves it out, and it is
        // EPOLLRDHUP's value. POLLHUP and POLLERR are reported whatever is asked for.
        var fds = [pollfd(fd: descriptor, events: Int16(EPOLLRDHUP.rawValue), revents: 0)]
        while true {
            let result = poll(&fds, 1, deadline.millisecondsRemaining())
            if result < 0 {
                if currentErrno() == EINTR { continue }
                throw SocketError.lastError("poll")
            }
            if result == 0 {
                if MonotonicTime.now() < deadline { continue }
                return false
            }
            return true
        }
    }

    /// Stops sending (the peer sees end of stream) while still allowing reads.
    func shutdownWrite() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Wakes any thread blocked on this socket and makes further I/O fail; used to force
    /// connections closed at the end of the shutdown grace period.
    func shutdownBoth() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// A pipe whose read end turns readable, for good, once something is written to the
    /// write end: a broadcast every poller can watch (nothing ever reads it).
    static func makeEventPipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw SocketError.lastError("pipe") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    func close() {
        // close must not be retried on EINTR on Linux: the descriptor is released either way.
        _ = Glibc.close(descriptor)
    }
}

extension MonotonicTime {
    /// Milliseconds left until this deadline, rounded up so that a poll never wakes early
    /// and spins; 0 once it has passed.
    func millisecondsRemaining(from now: MonotonicTime = .now()) -> Int32 {
        let left = nanoseconds - now.nanoseconds
        if left <= 0 { return 0 }
        return Int32(clamping: (left + 999_999) / 1_000_000)
    }
}

#if canImport(Glibc)
let socketStreamType = Int32(SOCK_STREAM.rawValue)
let socketCloseOnExec = Int32(SOCK_CLOEXEC.rawValue)
#endif
