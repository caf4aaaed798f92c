#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Logging
import Primitives
import Synchronization

/// One HTTP/1.1 listener. An accept thread admits connections; the server's `WorkerPool`
/// serves them, a worker per connection with something to do, with blocking-style I/O
/// while it serves (non-blocking sockets and `poll` deadlines): simple to reason about, and
/// handlers may block. Connections waiting for their next request cost no thread.
///
/// Several servers can run in one process; they share nothing.
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    /// The port actually bound (the answer to port 0).
    public let port: Int
    private let listener: Socket
    private let context: ServerContext
    private let acceptLoopFinished = DispatchSemaphore(value: 0)
    /// Whether `shutdown` ends the memory return (the server made its own).
    private let ownsFreedMemory: Bool
    private let state = AdaptiveMutex<Lifecycle>(.created)

    private enum Lifecycle {
        case created, running, stopping, stopped
    }

    /// Binds the listening socket at once, so the port is known before `start`.
    /// `freedMemory`: the process's `FreedMemoryReturn`, shared by its servers (its owner
    /// stops it); without one the server makes and stops its own.
    public init(
        configuration: ServerConfiguration, responder: any Responder,
        errorRenderer: any ErrorRenderer = PlainErrorRenderer(), logger: Logger,
        freedMemory: FreedMemoryReturn? = nil
    ) throws {
        // A client that goes away must cost us EPIPE on write, never the SIGPIPE that would
        // end the process (sendfile has no MSG_NOSIGNAL).
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        ownsFreedMemory = freedMemory == nil
        listener = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.limits.listenBacklog)
        do {
            port = try listener.localPort()
            let event = try Socket.makeEventPipe()
            var serverLogger = logger
            serverLogger[metadataKey: "api"] = .string(configuration.name)
            context = try ServerContext(
                configuration: configuration, responder: responder, errorRenderer: errorRenderer,
                logger: serverLogger, shutdownEvent: event,
                freedMemory: freedMemory ?? FreedMemoryReturn(
                    delay: configuration.limits.freedMemoryReturnDelay, stackBytes: configuration.limits.threadStackBytes))
        } catch {
            listener.close()
            throw error
        }
    }

    /// Starts accepting connections on a thread of its own.
    public func start() {
        let shouldStart = state.withLock { state -> Bool in
            guard case .created = state else { return false }
            state = .running
            return true
        }
        guard shouldStart else { return }
        let started = DetachedThread.start(stackBytes: configuration.limits.threadStackBytes) { [self] in
            acceptLoop()
            listener.close()
            acceptLoopFinished.signal()
        }
        precondition(started, "could not start the accept thread")
    }

    /// The number of connections open now.
    public var openConnections: Int { context.registry.count }

    /// How many times freed memory was handed back to the kernel (`FreedMemoryReturn`).
    var freedMemoryTrims: Int { context.freedMemory.trimCount }

    /// The requests waiting in a deliberate delay now (`Request.pause(for:)`).
    var delayedRequests: Int { context.delayedRequestCount }

    /// The worker threads serving connections now (`WorkerPool`).
    var workerThreads: Int { context.workers.workerCount }

    /// Stops accepting, closes idle connections, lets requests in progress finish for up
    /// to `gracePeriod`, then forces the rest closed. Returns when all is closed.
    public func shutdown(gracePeriod: Duration = .seconds(10)) {
        let wasRunning = state.withLock { state -> Bool? in
            switch state {
            case .created:
                state = .stopped
                return false
            case .running:
                state = .stopping
                return true
            case .stopping, .stopped:
                return nil
            }
        }
        guard let wasRunning else { return }
        context.beginStopping()
        context.workers.closeIdleConnections()
        if wasRunning {
            acceptLoopFinished.wait()
        } else {
            listener.close()
        }
        let graceEnds = MonotonicTime.now() + gracePeriod
        while context.registry.count > 0 && MonotonicTime.now() < graceEnds { usleep(2_000) }
        if context.registry.count > 0 {
            context.logger.warning("closing \(context.registry.count) connections still busy after the grace period")
            context.registry.shutdownAll()
            let forcedEnds = MonotonicTime.now() + .seconds(2)
            while context.registry.count > 0 && MonotonicTime.now() < forcedEnds { usleep(2_000) }
        }
        context.workers.stop(timeout: .seconds(1))
        if ownsFreedMemory { context.freedMemory.stop() }
        state.withLock { $0 = .stopped }
    }

    private func acceptLoop() {
        var backoff = AcceptBackoff()
        while true {
            switch (try? listener.wait(until: nil, orEvent: context.shutdownEvent)) ?? .ready {
            case .interrupted: return
            case .ready, .timedOut: break
            }
            do {
                guard let (socket, remoteAddress) = try listener.accept() else { continue }
                backoff.succeeded()
                admit(socket, remoteAddress: remoteAddress)
            } catch let error as SocketError {
                switch error.errno {
                case ECONNABORTED, EPROTO, EPERM:
                    continue  // the client gave up before we accepted: nothing to do
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: the pending connection stays queued, so
                    // waiting lets closing connections free resources instead of spinning.
                    if backoff.shouldLog() { context.logger.warning("accept: \(error); backing off") }
                    backoff.wait()
                default:
                    context.logger.error("accept: \(error)")
                    backoff.wait()
                }
            } catch {
                context.logger.error("accept: \(error)")
                backoff.wait()
            }
        }
    }

    /// Registers the connection and hands it to the poller: the first worker free serves it
    /// once its first bytes are in.
    private func admit(_ socket: Socket, remoteAddress: String) {
        let connection = Connection(socket: socket, remoteAddress: remoteAddress, context: context)
        guard context.registry.add(connection, parkedUntil: connection.deadline, limit: configuration.limits.maxConnections) else {
            refuse(socket, message: "Too many open connections.")
            return
        }
        socket.setNoDelay()
        if !context.workers.watch(connection) {
            context.registry.remove(socket.descriptor)
            refuse(socket, message: "No worker available for the connection.")
        }
    }

    /// Answers 503 without a thread of its own: a best-effort write, then close. A TLS
    /// listener closes without a word: an answer needs a handshake, which needs a worker.
    private func refuse(_ socket: Socket, message: String) {
        guard configuration.tls == nil else {
            socket.close()
            context.logger.warning("refused a connection: \(message)")
            return
        }
        var response = context.errorRenderer.response(for: HTTPError(.serviceUnavailable, message: message), request: nil)
        // One write, no waiting: content that is not in memory is left out.
        if case .bytes = response.body {} else { response.body = .empty }
        var bytes: [UInt8] = []
        let (framing, _) = ResponseEncoder.encodeHead(
            of: response, for: nil, keepAlive: false, date: HTTPDateCache.format(time(nil)), into: &bytes)
        if case .bytes(let content) = response.body, framing != .none { bytes += content }
        _ = bytes.withUnsafeBytes { try? socket.write($0) }
        socket.close()
        context.logger.warning("refused a connection: \(message)")
    }
}

/// Exponential back-off for accept errors that need resources to free up.
private struct AcceptBackoff {
    private var delayMicroseconds: UInt32 = 0
    private var lastLog = MonotonicTime(nanoseconds: 0)

    mutating func succeeded() { delayMicroseconds = 0 }

    mutating func wait() {
        delayMicroseconds = delayMicroseconds == 0 ? 5_000 : min(delayMicroseconds * 2, 500_000)
        usleep(delayMicroseconds)
    }

    mutating func shouldLog() -> Bool {
        let now = MonotonicTime.now()
        guard now.since(lastLog) > .seconds(5) else { return false }
        lastLog = now
        return true
    }
}

/// What every connection of one server shares.
final class ServerContext: Sendable {
    let configuration: ServerConfiguration
    let responder: any Responder
    let errorRenderer: any ErrorRenderer
    let logger: Logger
    /// Becomes readable, for good, when shutdown begins: the accept loop polls it beside
    /// the listening socket.
    let shutdownEvent: Int32
    private let shutdownTrigger: Int32
    let registry = ConnectionRegistry()
    let freedMemory: FreedMemoryReturn
    let workers: WorkerPool
    private let stopping = Atomic<Bool>(false)
    private let requestCounter = Atomic<UInt64>(0)
    /// Requests in a deliberate delay now (`Request.pause(for:)`).
    private let delayedRequests = Atomic<Int>(0)

    init(
        configuration: ServerConfiguration, responder: any Responder, errorRenderer: any ErrorRenderer, logger: Logger,
        shutdownEvent: (read: Int32, write: Int32), freedMemory: FreedMemoryReturn
    ) throws {
        self.configuration = configuration
        self.responder = responder
        self.errorRenderer = errorRenderer
        self.logger = logger
        self.shutdownEvent = shutdownEvent.read
        self.shutdownTrigger = shutdownEvent.write
        self.freedMemory = freedMemory
        do {
            self.workers = try WorkerPool(registry: registry, freedMemory: freedMemory, limits: configuration.limits)
        } catch {
            close(shutdownEvent.read)
            close(shutdownEvent.write)
            throw error
        }
    }

    deinit {
        close(shutdownEvent)
        close(shutdownTrigger)
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    func beginStopping() {
        stopping.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(shutdownTrigger, &byte, 1)
    }

    /// Counts a request into a delay; false (and not counted) when `limit` are delayed.
    func beginDelay(limit: Int) -> Bool {
        if delayedRequests.add(1, ordering: .relaxed).newValue <= limit { return true }
        delayedRequests.subtract(1, ordering: .relaxed)
        return false
    }

    func endDelay() {
        delayedRequests.subtract(1, ordering: .relaxed)
    }

    /// The requests in a delay now (for tests).
    var delayedRequestCount: Int { delayedRequests.load(ordering: .relaxed) }

    func nextRequestID() -> String {
        let number = requestCounter.wrappingAdd(1, ordering: .relaxed).newValue
        return requestIDPrefix + String(number, radix: 16)
    }

    private var requestIDPrefix: String { configuration.name + "-" }
}
