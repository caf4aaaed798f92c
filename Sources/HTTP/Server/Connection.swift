import Logging
import Primitives

/// One client connection: its buffers, where its current request is, and the serving of
/// its requests, one after the other. A worker of the `WorkerPool` calls `resume` when the
/// connection has input (or a deadline passed, or the server is stopping); it serves every
/// request it can, then says when the connection must next be looked at, and the
/// connection waits in the poller with no thread. Requests on one connection are answered
/// in order, which is what pipelining needs; responses are held back only while the next
/// request is already buffered, and flushed before the connection ever waits for input.
///
/// `@unchecked Sendable`: a connection passes between workers only through the
/// `ConnectionRegistry`'s lock (park, then claim), and only the worker that claimed it
/// touches it until it is parked again or closed.
final class Connection: @unchecked Sendable {
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
    private let remoteAddress: String
    private let context: ServerContext
    private let input: InputBuffer
    private var output: [UInt8] = []
    private var dateCache = HTTPDateCache()
    private let acceptedAt = MonotonicTime.now()
    /// Where the head being read stands; kept across turns, so a trickling head is not
    /// scanned again from its start.
    private var scanner: RequestHeadScanner
    /// When the first byte of the request being read came (nil between requests).
    private var headStarted: MonotonicTime?
    /// When the last answer was sent, for the idle time-out (nil before the first).
    private var idleSince: MonotonicTime?
    private var limits: HTTPLimits { context.configuration.limits }
    private var timeouts: HTTPTimeouts { context.configuration.timeouts }

    /// The largest the input buffer may grow: a request head at its limits.
    private var maximumInput: Int { limits.maxRequestLineBytes + limits.maxHeaderBytes + 8 * 1024 }

    init(socket: Socket, remoteAddress: String, context: ServerContext) {
        self.socket = socket
        self.remoteAddress = remoteAddress
        self.context = context
        self.input = InputBuffer(baseCapacity: context.configuration.limits.connectionBufferBytes)
        self.scanner = RequestHeadScanner(limits: context.configuration.limits)
    }

    var descriptor: Int32 { socket.descriptor }

    /// When the connection must be looked at, if nothing comes: its head's deadline while a
    /// request is being read, else the idle time-out (shorter for a client that has not
    /// sent its first request: it also gets the head's time).
    var deadline: MonotonicTime {
        if let headStarted { return headStarted + timeouts.header }
        if let idleSince { return idleSince + timeouts.idle }
        return acceptedAt + min(timeouts.idle, timeouts.header)
    }

    /// Serves what the connection has for us now; see `Next`.
    func resume() -> Next {
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
                    do { try flush() } catch { return close() }
                    return .yield
                }
            case .needInput:
                do { try flush() } catch { return close() }
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

    /// Flushes what is left to send, leaves the registry and closes the socket.
    private func close() -> Next {
        try? flush()
        context.registry.remove(socket.descriptor)
        socket.close()
        context.freedMemory.memoryReleased()
        return .closed
    }

    /// A parked connection holds no buffers: a thousand kept-alive clients cost their
    /// sockets, not 32 KiB each.
    private func releaseBuffers() {
        input.release()
        if output.capacity > 0 { output = [] }
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
            guard mayRead else { return .needInput }
            let space = input.writableSpace(atLeast: 4096, maximumCapacity: maximumInput)
            switch (try? socket.read(into: space)) ?? .endOfStream {
            case .bytes(let count): input.didWrite(count)
            case .endOfStream: return .closeQuietly
            case .wouldBlock: mayRead = false
            }
        }
    }

    // MARK: Serving one request

    /// Serves one request; returns whether the connection stays open for the next.
    private func serve(_ head: RequestHead, started: MonotonicTime) -> Bool {
        let framing: BodyFraming
        var expectsContinue = false
        do {
            framing = try BodyFraming.decide(for: head, limits: limits)
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
        request.waitingScope = context.workers

        var response: Response
        do {
            response = try context.responder.respond(to: request)
        } catch {
            if bodyReader.peerClosed { return false }
            response = context.errorRenderer.response(for: error, request: request)
        }
        if bodyReader.peerClosed { return false }

        switch response.transport {
        case .http: break
        case .dropConnection:
            logAccess(request, status: nil, bytes: 0, started: started)
            return false
        case .raw(let bytes):
            output.append(contentsOf: bytes)
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

    /// Answers a request that could not be framed or parsed, then lets the client read the
    /// answer before the connection closes.
    private func answerProtocolError(_ error: HTTPError) {
        let response = context.errorRenderer.response(for: error, request: nil)
        var keepAlive = false
        _ = try? write(response, to: nil, keepAlive: &keepAlive)
        context.logger.info("\(remoteAddress) - \(error.status.code) \(error.message ?? "")")
        lingeringClose()
    }

    // MARK: Writing

    /// Serialises `response` (framing, `Date`, `Connection`) and sends its body; returns the
    /// content bytes sent. `keepAlive` turns false when the framing needs a close.
    private func write(_ response: Response, to request: Request?, keepAlive: inout Bool) throws -> Int {
        if output.capacity == 0 { output.reserveCapacity(limits.connectionBufferBytes) }
        let version = request?.version ?? .http1_1
        let isHead = request?.method == .head
        let hasContent = response.status.allowsContent
        var chunked = false
        // Written straight into the output bytes: building the head as an interpolated
        // String was a measured hot spot.
        output.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(Int64(response.status.code))
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: response.status.reasonPhrase.utf8)
        output.append(contentsOf: lineEnd)
        for field in response.headers {
            if field.name.equalsIgnoringASCIICase("Content-Length") || field.name.equalsIgnoringASCIICase("Transfer-Encoding")
                || field.name.equalsIgnoringASCIICase("Connection") {
                continue
            }
            appendField(field.name, Self.safeFieldValue(field.value))
        }
        if !response.headers.contains("Date") { appendField("Date", dateCache.current()) }
        // The id of the request's log lines, so a client-side failure can be found in ours.
        if let request, !response.headers.contains("X-Request-Id") { appendField("X-Request-Id", request.id) }
        if hasContent {
            if let length = response.body.knownLength {
                output.append(contentsOf: "Content-Length: ".utf8)
                appendDecimal(length)
                output.append(contentsOf: lineEnd)
            } else if version == .http1_1 {
                appendField("Transfer-Encoding", "chunked")
                chunked = true
            } else {
                keepAlive = false  // an HTTP/1.0 client reads to the close
            }
        }
        if !keepAlive {
            appendField("Connection", "close")
        } else if version == .http1_0 {
            appendField("Connection", "keep-alive")
        }
        output.append(contentsOf: lineEnd)
        guard hasContent && !isHead else { return 0 }

        switch response.body {
        case .empty:
            return 0
        case .bytes(let bytes):
            if bytes.count <= 16 * 1024 {
                output.append(contentsOf: bytes)
            } else {
                try flush()
                try bytes.withUnsafeBytes { try send($0) }
            }
            return bytes.count
        case .file(let region):
            try flush()
            try sendFile(region)
            return Int(region.length)
        case .stream(let length, let producer):
            try flush()
            let writer = ConnectionBodyWriter(connection: self, chunked: chunked)
            try producer(writer)
            if chunked { try Self.lastChunk.withUnsafeBytes { try send($0) } }
            if let length, writer.bytesWritten != length {
                // The framing promised other than what came: the client cannot be told now.
                throw HTTPError(.internalServerError, message: "stream wrote \(writer.bytesWritten) of \(length) bytes")
            }
            return Int(writer.bytesWritten)
        }
    }

    private func appendField(_ name: String, _ value: String) {
        output.append(contentsOf: name.utf8)
        output.append(UInt8(ascii: ":"))
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: value.utf8)
        output.append(contentsOf: lineEnd)
    }

    private func appendDecimal(_ value: Int64) {
        if value < 10 {
            output.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            output.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// A value with CR or LF would split the response (response splitting); controls are
    /// replaced with a space.
    private static func safeFieldValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) else { return value }
        return String(decoding: value.utf8.map { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F ? 0x20 : $0 }, as: UTF8.self)
    }

    func flush() throws {
        guard !output.isEmpty else { return }
        defer {
            if output.capacity <= limits.connectionBufferBytes {
                output.removeAll(keepingCapacity: true)
            } else {
                output = []  // a large answer's growth goes back; `write` reserves again
            }
        }
        try output.withUnsafeBytes { try send($0) }
    }

    /// Sends every byte, waiting (up to the write time-out each time) while the client's
    /// receive window is full.
    func send(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = try socket.write(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if written > 0 {
                offset += written
            } else if try waitForClient(writing: true, until: .now() + timeouts.write) == .timedOut {
                throw HTTPError(.requestTimeout, message: "client stopped reading")
            }
        }
    }

    private func sendFile(_ region: FileRegion) throws {
        var offset = region.offset
        let end = region.offset + region.length
        while offset < end {
            switch try socket.sendFile(region.file.descriptor, offset: &offset, count: Int(min(end - offset, 1 << 30))) {
            case .sent:
                continue
            case .endOfFile:
                // The file shrank under us; the framing promised more than exists.
                throw HTTPError(.internalServerError, message: "file ended before its announced length")
            case .wouldBlock:
                if try waitForClient(writing: true, until: .now() + timeouts.write) == .timedOut {
                    throw HTTPError(.requestTimeout, message: "client stopped reading")
                }
            }
        }
    }

    /// Waits for the client to be readable (or writable), the worker counted as waiting
    /// rather than running (`WorkerPool.waiting`): a slow client must not hold back others.
    private func waitForClient(writing: Bool = false, until deadline: MonotonicTime) throws -> Socket.WaitResult {
        try context.workers.waiting { try socket.wait(forWriting: writing, until: deadline) }
    }

    func sendContinue() throws {
        try flush()
        try Self.continueLine.withUnsafeBytes { try send($0) }
    }

    private static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    /// Closes our side for writing, then reads and discards for a moment: closing with
    /// unread input makes the kernel send a reset, which can destroy the answer we just sent
    /// before the client reads it (RFC 9112 §9.6).
    private func lingeringClose() {
        try? flush()
        socket.shutdownWrite()
        let deadline = MonotonicTime.now() + timeouts.lingeringClose
        var discarded = 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer { scratch.deallocate() }
        while discarded < 1 << 20, (try? waitForClient(until: deadline)) == .ready {
            guard case .bytes(let count) = (try? socket.read(into: scratch)) ?? .endOfStream else { return }
            discarded += count
        }
    }

    private func logAccess(_ request: Request, status: HTTPStatus?, bytes: Int, started: MonotonicTime) {
        guard request.serverLogger.logLevel <= .info else { return }
        let logger = request.logger
        let elapsed = MonotonicTime.now().since(started).milliseconds
        let statusText = status.map { String($0.code) } ?? "dropped"
        logger.info("\(request.method) \(request.target) \(statusText) \(bytes)B \((elapsed * 100).rounded() / 100)ms \(remoteAddress)")
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
            switch (try? socket.read(into: space)) ?? .endOfStream {
            case .bytes(let count):
                input.didWrite(count)
                return .more
            case .endOfStream:
                return .endOfStream
            case .wouldBlock:
                switch (try? waitForClient(until: deadline)) ?? .interrupted {
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
            switch (try? socket.read(into: buffer)) ?? .endOfStream {
            case .bytes(let count): return (count, .more)
            case .endOfStream: return (0, .endOfStream)
            case .wouldBlock:
                switch (try? waitForClient(until: deadline)) ?? .interrupted {
                case .ready: continue
                case .timedOut: return (0, .timedOut)
                case .interrupted: return (0, .endOfStream)
                }
            }
        }
    }

    var buffered: InputBuffer { input }
}

/// CR LF, which ends every line of a head and every chunk (RFC 9112 §2.1, §7.1).
private let lineEnd: [UInt8] = [13, 10]

/// The start of the request on the monotonic clock, for middleware that measures.
public enum RequestStartKey: RequestStorageKey {
    public typealias Value = MonotonicTime
}

extension BodyFraming {
    var declaredLength: Int64? {
        switch self {
        case .none: return 0
        case .length(let length): return length
        case .chunked: return nil
        }
    }
}

/// A request that ended because the client went away; nothing can be answered.
struct PeerClosedError: Error {}

/// Reads one request's body off the connection, by its framing.
final class ConnectionBodyReader: RequestBodySource {
    private unowned let connection: Connection
    private var remaining: Int64
    private var chunkedDecoder: ChunkedDecoder?
    private(set) var awaitingContinue: Bool
    private(set) var isFinished: Bool
    /// Set when the body broke the framing or the time-outs: the connection must close.
    private(set) var failure: HTTPError?
    private(set) var peerClosed = false

    init(connection: Connection, framing: BodyFraming, expectsContinue: Bool) {
        self.connection = connection
        self.awaitingContinue = expectsContinue
        switch framing {
        case .none:
            remaining = 0
            isFinished = true
        case .length(let length):
            remaining = length
            isFinished = false
        case .chunked:
            remaining = 0
            isFinished = false
        }
        if case .chunked = framing { chunkedDecoder = ChunkedDecoder(limits: connection.limitsForBody) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let failure { throw failure }
        if peerClosed { throw PeerClosedError() }
        if isFinished || buffer.count == 0 { return 0 }
        if awaitingContinue {
            awaitingContinue = false
            do { try connection.sendContinue() } catch { peerClosed = true; throw PeerClosedError() }
        }
        return chunkedDecoder == nil ? try readLength(into: buffer) : try readChunked(into: buffer)
    }

    private func readLength(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let input = connection.buffered
        let wanted = Int(min(Int64(buffer.count), remaining))
        var count: Int
        if input.isEmpty {
            let (read, outcome) = connection.readDirect(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]))
            try check(outcome)
            count = read
        } else {
            count = min(wanted, input.count)
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: input.readable[0..<count]))
            input.consume(count)
        }
        remaining -= Int64(count)
        if remaining == 0 { isFinished = true }
        return count
    }

    private func readChunked(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let input = connection.buffered
        while true {
            if !input.isEmpty {
                let window = UnsafeRawBufferPointer(rebasing: input.readable.prefix(buffer.count))
                let consumed: Int, step: ChunkedDecoder.Step
                do {
                    (consumed, step) = try chunkedDecoder!.decode(window)
                } catch {
                    failure = error.httpError
                    throw error.httpError
                }
                switch step {
                case .data(let range):
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: window[range]))
                    input.consume(consumed)
                    return range.count
                case .end:
                    input.consume(consumed)
                    isFinished = true
                    return 0
                case .needMore:
                    input.consume(consumed)
                }
                if !input.isEmpty { continue }
            }
            try check(connection.fillInput())
        }
    }

    private func check(_ outcome: Connection.Fill) throws {
        switch outcome {
        case .more: return
        case .endOfStream:
            peerClosed = true
            throw PeerClosedError()
        case .timedOut:
            let error = HTTPError(.requestTimeout, message: "The request body took too long.")
            failure = error
            throw error
        }
    }

    /// Reads and drops what is left of the body, up to `limit` bytes; false when the rest
    /// could not be discarded (too much, too slow, or broken), and the connection must close.
    func discardRemainder(upTo limit: Int64) -> Bool {
        if chunkedDecoder == nil && remaining > limit { return false }
        var discarded: Int64 = 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer { scratch.deallocate() }
        while !isFinished {
            guard let count = try? read(into: scratch) else { return false }
            discarded += Int64(count)
            if discarded > limit { return false }
        }
        return true
    }
}

extension Connection {
    var limitsForBody: HTTPLimits { context.configuration.limits }
}

/// Writes a streamed response body, chunk-encoding it when its length was not known.
final class ConnectionBodyWriter: BodyWriter {
    private unowned let connection: Connection
    private let chunked: Bool
    private(set) var bytesWritten: Int64 = 0

    init(connection: Connection, chunked: Bool) {
        self.connection = connection
        self.chunked = chunked
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        if chunked {
            try Array("\(String(bytes.count, radix: 16))\r\n".utf8).withUnsafeBytes { try connection.send($0) }
        }
        try connection.send(bytes)
        if chunked { try lineEnd.withUnsafeBytes { try connection.send($0) } }
        bytesWritten += Int64(bytes.count)
    }

}
