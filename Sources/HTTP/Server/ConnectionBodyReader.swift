/// Reading a request's body off its connection, as the handler pulls it: by
/// `Content-Length` or chunked, sending `100 Continue` first when the client waits for it,
/// and telling the connection afterwards whether it can serve the next request.

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
        if case .chunked = framing { chunkedDecoder = ChunkedDecoder(limits: connection.limits) }
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
