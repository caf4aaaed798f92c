import Logging
import Primitives

/// One client connection's state machine: its input buffer, where its current request
/// is, and the serving of its requests, one after the other. A worker of the `WorkerPool`
/// calls `resume` when the connection has input (or a deadline passed, or the server is
/// stopping); it serves every request it can, then says when the connection must next be
/// looked at, and the connection waits in the poller with no thread. Requests on one
/// connection are answered in order, which is what pipelining needs; responses are held
/// back only while the next request is already buffered, and flushed before the connection
/// ever waits for input.
///
/// On a TLS listener the connection first completes its handshake, in steps like a head
/// that trickles in (parked between them, up to `HTTPTimeouts.tlsHandshake`); then it
/// serves requests exactly as on a plain one, through its `ConnectionTransport`.
///
/// The parts around it are in files of their own: `ResponseEncoder` writes the heads,
/// `ConnectionOutput` sends them and the content, `ConnectionBodyReader` reads request
/// bodies, `ConnectionTransport` carries the bytes (plain or TLS), `AccessLog` words the
/// log lines.
///
/// `@unchecked Sendable`: a connection passes between workers only through the
/// `ConnectionRegistry`'s lock (park, then claim), and only the worker that claimed it
/// touches it until it is parked again or closed.
final class Connection: ServingConnection, @unchecked Sendable {
    /// What the worker does with the connection after a turn.
    enum Next {
        /// Wait in the poller for input, and be looked at by `deadline` at the latest.
        case park(until: MonotonicTime)
        /// Requests are still buffered: go on with them after the connections already due.
        case yield
        /// The connection is closed and gone from the registry.
        case closed
    }

    /// Why reading stopped without a request to serve.
    private enum HeadOutcome {
        case head(RequestHead, started: MonotonicTime)
        /// No complete head buffered, and the socket has nothing more for now.
        case needInput
        /// End of stream: close without a word.
        case closeQuietly
        /// Answer this error, then close.
        case fail(HTTPError)
    }

    private let socket: Socket
    private let transport: ConnectionTransport
    private let remoteAddress: String
    private let context: ServerContext
    private let input: InputBuffer
    private let output: ConnectionOutput
    private var dateCache = HTTPDateCache()
    /// When the connection was accepted, then (TLS) when its handshake ended: the start of
    /// the wait for its first request.
    private var acceptedAt = MonotonicTime.now()
    /// A TLS listener's connection whose handshake has not finished.
    private var handshakePending: Bool
    /// Where the head being read stands; kept across turns, so a trickling head is not
    /// scanned again from its start.
    private var scanner: RequestHeadScanner
    /// When the first byte of the request being read came (nil between requests).
    private var headStarted: MonotonicTime?
    /// When the last answer was sent, for the idle time-out (nil before the first).
    private var idleSince: MonotonicTime?
    /// Set when the client went away during a delay of the request being served: its
    /// answer is not sent, and the connection closes.
    private var clientGone = false
    var limits: HTTPLimits { context.configuration.limits }
    private var timeouts: HTTPTimeouts { context.configuration.timeouts }

    /// The largest the input buffer may grow: a request head at its limits.
    private var maximumInput: Int { limits.maxRequestLineBytes + limits.maxHeaderBytes + 8 * 1024 }

    init(socket: Socket, remoteAddress: String, context: ServerContext) {
        self.socket = socket
        self.transport = ConnectionTransport(socket: socket)
        self.remoteAddress = remoteAddress
        self.context = context
        self.handshakePending = context.configuration.tls != nil
        self.input = InputBuffer(baseCapacity: context.configuration.limits.connectionBufferBytes)
        self.output = ConnectionOutput(
            transport: transport, workers: context.workers, bufferBytes: context.configuration.limits.connectionBufferBytes,
            writeTimeout: context.configuration.timeouts.write)
        self.scanner = RequestHeadScanner(limits: context.configuration.limits)
    }

    var descriptor: Int32 { socket.descriptor }

    /// When the connection must be looked at, if nothing comes: its head's deadline while a
    /// request is being read, else the idle time-out (shorter for a client that has not
    /// sent its first request: it also gets the head's time).
    var deadline: MonotonicTime {
        if handshakePending { return acceptedAt + min(timeouts.tlsHandshake, timeouts.idle) }
        if let headStarted { return headStarted + timeouts.header }
        if let idleSince { return idleSince + timeouts.idle }
        return acceptedAt + min(timeouts.idle, timeouts.header)
    }

    /// Serves what the connection has for us now; see `Next`.
    func resume() -> Next {
        if handshakePending, let next = continueHandshake() { return next }
        // A worker woken for input reads first; one that has just answered parks without a
        // read, since a kept-alive client's next request is rarely there yet.
        var mayRead = true
        var servedThisTurn = 0
        while true {
            switch readHead(mayRead: mayRead) {
            case .closeQuietly:
                return close()
            case .fail(let error):
                answerProtocolError(error)
                return close()
            case .head(let head, let started):
                guard serve(head, started: started) else { return close() }
                idleSince = .now()
                servedThisTurn += 1
                input.shrink(to: limits.connectionBufferBytes)
                mayRead = false
                if !input.isEmpty && servedThisTurn >= limits.requestsPerTurn {
                    // A pipelined flood: give the other connections their turn first.
                    do { try output.flush() } catch { return close() }
                    return .yield
                }
            case .needInput:
                do { try output.flush() } catch { return close() }
                let requestInProgress = headStarted != nil
                if !requestInProgress && context.isStopping { return close() }
                if MonotonicTime.now() >= deadline {
                    if requestInProgress {
                        answerProtocolError(HTTPError(.requestTimeout, message: "The request head took too long."))
                    }
                    return close()
                }
                if input.isEmpty { releaseBuffers() }
                return .park(until: deadline)
            }
        }
    }

    /// Flushes what is left to send, leaves the registry and closes the socket (after
    /// close_notify, on TLS).
    private func close() -> Next {
        try? output.flush()
        context.registry.remove(socket.descriptor)
        transport.close()
        context.freedMemory.memoryReleased()
        return .closed
    }

    /// A parked connection holds no buffers: a thousand kept-alive clients cost their
    /// sockets, not 32 KiB each.
    private func releaseBuffers() {
        input.release()
        output.release()
    }

    // MARK: The TLS handshake

    /// Goes on with the handshake as far as the client lets it; nil once it is done (the
    /// connection's requests are served next), else what the worker does with the
    /// connection. A client that stalls is parked, then closed at the handshake time-out;
    /// plain HTTP is answered 400 in plain HTTP (as nginx does) and garbage is closed,
    /// each with a log line.
    private func continueHandshake() -> Next? {
        if transport.tls == nil {
            // Made once for the listener; the first connections may wait for it to load.
            switch context.workers.waiting({ context.configuration.tls!.context() }) {
            case .failure(let error):
                context.logger.error("\(remoteAddress) - TLS is not available: \(error)")
                return close()
            case .success(let tlsContext):
                guard let session = TLSSession(context: tlsContext, socket: socket) else {
                    context.logger.error("\(remoteAddress) - cannot start a TLS session")
                    return close()
                }
                transport.tls = session
            }
        }
        let session = transport.tls!
        while true {
            switch session.handshake() {
            case .done:
                handshakePending = false
                acceptedAt = .now()
                return nil
            case .wouldBlock:
                if context.isStopping { return close() }
                if MonotonicTime.now() >= deadline {
                    context.logger.info("\(remoteAddress) - TLS handshake timed out")
                    return close()
                }
                guard session.blockedOnWriting else { return .park(until: deadline) }
                // Our flight does not fit the socket: wait here, the worker counted as waiting.
                let until = deadline
                guard (try? context.workers.waiting({ try transport.waitUntilWritable(until: until) })) == .ready else {
                    context.logger.info("\(remoteAddress) - TLS handshake timed out")
                    return close()
                }
            case .failed(let reason, let plainHTTP):
                if plainHTTP {
                    // The client speaks HTTP: tell it so in HTTP, not in TLS alerts it cannot read.
                    transport.tls = nil
                    answerProtocolError(HTTPError(.badRequest, message: "The plain HTTP request was sent to an HTTPS port."))
                } else {
                    context.logger.info("\(remoteAddress) - TLS handshake failed: \(reason)")
                }
                return close()
            }
        }
    }

    // MARK: Reading the head

    private func readHead(mayRead: Bool) -> HeadOutcome {
        var mayRead = mayRead
        while true {
            if !input.isEmpty {
                if headStarted == nil { headStarted = .now() }
                do {
                    if let length = try scanner.scan(input.readable) {
                        let head = try RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: input.readable[scanner.headStart..<length]))
                        input.consume(length)
                        let started = headStarted!
                        headStarted = nil
                        scanner = RequestHeadScanner(limits: limits)
                        return .head(head, started: started)
                    }
                } catch {
                    return .fail(error.httpError)
                }
            }
            // Input a TLS session decrypted (or read ahead) is not seen by the poller: it is
            // read now, or the connection would wait for bytes that have already come.
            guard mayRead || transport.hasBufferedInput else { return .needInput }
            let space = input.writableSpace(atLeast: 4096, maximumCapacity: maximumInput)
            switch (try? transport.read(into: space)) ?? .endOfStream {
            case .bytes(let count): input.didWrite(count)
            case .endOfStream: return .closeQuietly
            case .wouldBlock: mayRead = false
            }
        }
    }

    // MARK: Serving one request

    /// Serves one request; returns whether the connection stays open for the next.
    private func serve(_ head: RequestHead, started: MonotonicTime) -> Bool {
        var head = head
        let framing: BodyFraming
        var expectsContinue = false
        do {
            framing = try BodyFraming.decide(for: head, limits: limits)
            try head.settleHost()
            for expectation in head.headers where expectation.name.equalsIgnoringASCIICase("Expect") {
                guard expectation.value.equalsIgnoringASCIICase("100-continue") else {
                    throw HTTPParseError.unsupportedExpectation(expectation.value)
                }
                expectsContinue = head.version == .http1_1 && framing != .none
            }
        } catch {
            answerProtocolError((error as? HTTPParseError)?.httpError ?? HTTPError(.badRequest))
            return false
        }

        let bodyReader = ConnectionBodyReader(connection: self, framing: framing, expectsContinue: expectsContinue)
        let id = context.nextRequestID()
        var request = Request(
            method: head.method, target: head.target, version: head.version, headers: HTTPHeaders(head.headers),
            body: RequestBody(source: bodyReader, declaredLength: framing.declaredLength),
            remoteAddress: remoteAddress, id: id, logger: context.logger)
        request.storage[RequestStartKey.self] = started
        request.connection = self
        if transport.tls != nil { request.scheme = "https" }

        var response: Response
        do {
            response = try context.responder.respond(to: request)
        } catch {
            if bodyReader.peerClosed || clientGone { return endForGoneClient(request, started: started) }
            response = context.errorRenderer.response(for: error, request: request)
        }
        if bodyReader.peerClosed || clientGone { return endForGoneClient(request, started: started) }

        switch response.transport {
        case .http: break
        case .dropConnection:
            logAccess(request, status: nil, bytes: 0, started: started)
            return false
        case .raw(let bytes):
            output.pending.append(contentsOf: bytes)
            logAccess(request, status: nil, bytes: bytes.count, started: started)
            return false
        }

        var keepAlive = request.wantsKeepAlive && !context.isStopping && bodyReader.failure == nil
            && !response.headers.containsToken("close", in: "Connection")
        if keepAlive && !bodyReader.isFinished {
            // The handler answered without reading the whole body. A client still waiting for
            // 100 Continue will not send it; otherwise a little is discarded to keep the
            // connection, and more than that closes it.
            keepAlive = !bodyReader.awaitingContinue && bodyReader.discardRemainder(upTo: limits.maxDiscardedBodyBytes)
        }
        let sent: Int
        do {
            sent = try write(response, to: request, keepAlive: &keepAlive)
        } catch {
            request.logger.debug("response aborted: \(error)")
            return false
        }
        logAccess(request, status: response.status, bytes: sent, started: started)
        if !keepAlive && !bodyReader.isFinished { lingeringClose() }
        return keepAlive
    }

    /// The client went away while its request was served: nothing can be answered. Logged
    /// as 499 when it left during a delay (nginx's "client closed request").
    private func endForGoneClient(_ request: Request, started: MonotonicTime) -> Bool {
        if clientGone { logAccess(request, status: .clientClosedRequest, bytes: 0, started: started) }
        clientGone = false
        return false
    }

    // MARK: Serving the request's waits (ServingConnection)

    func waiting<Result>(_ body: () throws -> Result) rethrows -> Result {
        try context.workers.waiting(body)
    }

    func pause(for duration: Duration) throws {
        let limit = limits.maxDelayedRequests
        guard context.beginDelay(limit: limit) else {
            throw HTTPError(.serviceUnavailable, message: "Too many delayed requests: at most \(limit) wait at once.")
        }
        defer { context.endDelay() }
        let deadline = MonotonicTime.now() + duration
        if try context.workers.waiting({ try socket.waitForHangUp(until: deadline) }) {
            clientGone = true
            throw HTTPError(.clientClosedRequest, message: "The client closed the connection during the delay.")
        }
    }

    /// Answers a request that could not be framed or parsed, then lets the client read the
    /// answer before the connection closes.
    private func answerProtocolError(_ error: HTTPError) {
        let response = context.errorRenderer.response(for: error, request: nil)
        var keepAlive = false
        _ = try? write(response, to: nil, keepAlive: &keepAlive)
        context.logger.info("\(AccessLog.refusal(error, client: remoteAddress, maximumReasonBytes: limits.accessLogTargetBytes))")
        lingeringClose()
    }

    // MARK: Writing

    /// Encodes the head of `response` (framing, `Date`, `Connection`) and sends its content;
    /// returns the content bytes sent. `keepAlive` turns false when the framing needs a close.
    private func write(_ response: Response, to request: Request?, keepAlive: inout Bool) throws -> Int {
        output.reserve()
        let exchange = request.map { ResponseContext(version: $0.version, method: $0.method, requestID: $0.id) }
        let (framing, keepOpen) = ResponseEncoder.encodeHead(
            of: response, for: exchange, keepAlive: keepAlive, date: dateCache.current(), into: &output.pending)
        keepAlive = keepOpen
        return try output.sendContent(response.body, framing: framing)
    }

    /// Waits for the client to be readable, the worker counted as waiting rather than
    /// running (`WorkerPool.waiting`): a slow client must not hold back others.
    private func waitForInput(until deadline: MonotonicTime) throws -> Socket.WaitResult {
        try context.workers.waiting { try transport.waitForInput(until: deadline) }
    }

    func sendContinue() throws {
        try output.flush()
        try ResponseEncoder.continueLine.withUnsafeBytes { try output.send($0) }
    }

    /// Closes our side for writing, then reads and discards for a moment: closing with
    /// unread input makes the kernel send a reset, which can destroy the answer we just sent
    /// before the client reads it (RFC 9112 §9.6).
    /// On TLS, close_notify goes first, and what is drained is the socket's raw bytes: they
    /// are thrown away, so nothing needs decrypting.
    private func lingeringClose() {
        try? output.flush()
        transport.shutdownWrite()
        let deadline = MonotonicTime.now() + timeouts.lingeringClose
        var discarded = 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer { scratch.deallocate() }
        while discarded < 1 << 20, (try? context.workers.waiting({ try socket.wait(until: deadline) })) == .ready {
            guard case .bytes(let count) = (try? socket.read(into: scratch)) ?? .endOfStream else { return }
            discarded += count
        }
    }

    private func logAccess(_ request: Request, status: HTTPStatus?, bytes: Int, started: MonotonicTime) {
        guard request.serverLogger.logLevel <= .info else { return }
        let line = AccessLog.line(
            method: request.method, target: request.target, status: status, bytes: bytes,
            elapsed: MonotonicTime.now().since(started), client: remoteAddress, maximumTargetBytes: limits.accessLogTargetBytes)
        request.logger.info("\(line)")
    }

    // MARK: Reading the body (used by ConnectionBodyReader)

    enum Fill {
        case more
        case endOfStream
        case timedOut
    }

    /// Waits for more input (up to the body time-out) and appends it to the buffer.
    func fillInput() -> Fill {
        let deadline = MonotonicTime.now() + timeouts.bodyRead
        while true {
            let space = input.writableSpace(atLeast: 16 * 1024, maximumCapacity: max(maximumInput, 64 * 1024))
            switch (try? transport.read(into: space)) ?? .endOfStream {
            case .bytes(let count):
                input.didWrite(count + readBuffered(into: UnsafeMutableRawBufferPointer(rebasing: space[count...])))
                return .more
            case .endOfStream:
                return .endOfStream
            case .wouldBlock:
                switch (try? waitForInput(until: deadline)) ?? .interrupted {
                case .ready: continue
                case .timedOut: return .timedOut
                case .interrupted: return .endOfStream
                }
            }
        }
    }

    /// Reads straight into the caller's buffer when nothing is buffered: a large upload
    /// then moves through memory once.
    func readDirect(into buffer: UnsafeMutableRawBufferPointer) -> (Int, Fill) {
        let deadline = MonotonicTime.now() + timeouts.bodyRead
        while true {
            switch (try? transport.read(into: buffer)) ?? .endOfStream {
            case .bytes(let count):
                return (count + readBuffered(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...])), .more)
            case .endOfStream: return (0, .endOfStream)
            case .wouldBlock:
                switch (try? waitForInput(until: deadline)) ?? .interrupted {
                case .ready: continue
                case .timedOut: return (0, .timedOut)
                case .interrupted: return (0, .endOfStream)
                }
            }
        }
    }

    /// What the TLS session already holds (decrypted, or records read ahead), into
    /// `space` until it is full; 0 on plain HTTP. A TLS read gives one record (16 KiB) at a
    /// time, and this makes a body read a socket read's worth, as on plain HTTP: a 256 MiB
    /// upload over TLS went from 288 to 448 MB/s (median of 7, alternating), with a
    /// quarter of the parser calls and file writes.
    private func readBuffered(into space: UnsafeMutableRawBufferPointer) -> Int {
        var count = 0
        while count < space.count, transport.hasBufferedInput,
              case .bytes(let more) = (try? transport.read(into: UnsafeMutableRawBufferPointer(rebasing: space[count...]))) ?? .endOfStream {
            count += more
        }
        return count
    }

    var buffered: InputBuffer { input }
}

/// The start of the request on the monotonic clock, for middleware that measures.
public enum RequestStartKey: RequestStorageKey {
    public typealias Value = MonotonicTime
}
