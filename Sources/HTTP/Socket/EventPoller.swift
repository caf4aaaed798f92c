import CLinux
import Glibc

/// The readiness of many sockets at once (Linux `epoll`), where the connections no thread is
/// serving wait: between two requests, or while a head trickles in.
///
/// Each connection is armed for one wake-up at a time (`EPOLLONESHOT`): the one worker that
/// receives it owns the connection until it arms it again, so two workers never serve one
/// connection. Arming is level-triggered: input that came while the connection was
/// disarmed wakes it as soon as it is armed again, so no arrival is ever missed.
final class EventPoller: Sendable {
    let descriptor: Int32

    /// What a wait produced.
    enum Event: Equatable {
        /// The descriptor registered with this token is readable, or its peer hung up.
        case ready(token: UInt64)
        case timedOut
    }

    init() throws {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SocketError.lastError("epoll_create1") }
        descriptor = fd
    }

    deinit {
        // Only reached when no worker can use it any more (every worker holds the poller).
        close(descriptor)
    }

    /// Registers `socket`, armed to wake once when it has input.
    func add(_ socket: Int32, token: UInt64) throws {
        try control(EPOLL_CTL_ADD, socket, token: token, events: Self.oneInput)
    }

    /// Registers a descriptor that stays ready once it is (the stop pipe): every wait
    /// returns it from then on.
    func addPersistent(_ descriptor: Int32, token: UInt64) throws {
        try control(EPOLL_CTL_ADD, descriptor, token: token, events: EPOLLIN.rawValue)
    }

    /// Arms `socket` again for one wake-up, when it has input (at once if it has some
    /// already). Fails only for a socket that is no longer registered (closed meanwhile).
    @discardableResult
    func arm(_ socket: Int32, token: UInt64) -> Bool {
        (try? control(EPOLL_CTL_MOD, socket, token: token, events: Self.oneInput)) != nil
    }

    /// Waits for one wake-up, up to `timeoutMilliseconds` (-1: no limit). One event per
    /// call: a worker that took several would keep the others waiting while it serves the
    /// first, and the kernel wakes a single waiter per event.
    func wait(timeoutMilliseconds: Int32) -> Event {
        var event = epoll_event()
        while true {
            let count = epoll_wait(descriptor, &event, 1, timeoutMilliseconds)
            if count == 1 { return .ready(token: event.data.u64) }
            if count == 0 { return .timedOut }
            if currentErrno() == EINTR { continue }
            // EBADF/EINVAL cannot happen on a live poller; a worker treats this as idle time.
            return .timedOut
        }
    }

    /// Whether wake-ups are waiting that no worker has taken (an epoll descriptor polls as
    /// readable while its ready list is not empty).
    var hasPendingEvents: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 1
    }

    private func control(_ operation: Int32, _ fd: Int32, token: UInt64, events: UInt32) throws {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        guard epoll_ctl(descriptor, operation, fd, &event) == 0 else {
            throw SocketError.lastError("epoll_ctl")
        }
    }

    // EPOLLRDHUP is not asked for: a half-closed client may still be owed answers to the
    // requests it sent, and the read that returns end of stream tells us anyway.
    private static let oneInput = EPOLLIN.rawValue | EPOLLONESHOT.rawValue
}
