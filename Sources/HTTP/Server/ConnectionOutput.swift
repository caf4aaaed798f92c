#if canImport(Glibc)
import Glibc
#endif
import Primitives

/// The sending side of one connection: the bytes held back for the next flush (heads and
/// small answers, so pipelined answers leave together), and the sending of a response's
/// content — bytes, a file region with `sendfile(2)` (read and encrypted in pieces over
/// TLS), or a stream, chunked when its framing says so — waiting in `poll` (the worker
/// counted as waiting) while the client's receive window is full, up to the write
/// time-out each time.
///
/// Used only by the worker serving the connection, like the connection itself.
final class ConnectionOutput {
    private let transport: ConnectionTransport
    private let workers: WorkerPool
    /// What the buffer is reserved at and returns to (`HTTPLimits.connectionBufferBytes`).
    private let bufferBytes: Int
    private let writeTimeout: Duration
    /// Bytes waiting for the next `flush`; the encoder appends heads here.
    var pending: [UInt8] = []

    init(transport: ConnectionTransport, workers: WorkerPool, bufferBytes: Int, writeTimeout: Duration) {
        self.transport = transport
        self.workers = workers
        self.bufferBytes = bufferBytes
        self.writeTimeout = writeTimeout
    }

    /// Room for the next answer, if the buffer was given back while the connection waited.
    func reserve() {
        if pending.capacity == 0 { pending.reserveCapacity(bufferBytes) }
    }

    /// A parked connection holds no buffer.
    func release() {
        if pending.capacity > 0 { pending = [] }
    }

    /// Sends the content of a response whose head is pending, as `framing` says; returns
    /// the content bytes sent.
    func sendContent(_ body: ResponseBody, framing: ResponseFraming) throws -> Int {
        if framing == .none { return 0 }
        switch body {
        case .empty:
            return 0
        case .bytes(let bytes):
            if bytes.count <= 16 * 1024 {
                pending.append(contentsOf: bytes)
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
            let chunked = framing == .chunked
            let writer = ConnectionBodyWriter(output: self, chunked: chunked)
            try producer(writer)
            if chunked { try ResponseEncoder.lastChunk.withUnsafeBytes { try send($0) } }
            if let length, writer.bytesWritten != length {
                // The framing promised other than what came: the client cannot be told now.
                throw HTTPError(.internalServerError, message: "stream wrote \(writer.bytesWritten) of \(length) bytes")
            }
            return Int(writer.bytesWritten)
        }
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        defer {
            if pending.capacity <= bufferBytes {
                pending.removeAll(keepingCapacity: true)
            } else {
                pending = []  // a large answer's growth goes back; `reserve` makes room again
            }
        }
        try pending.withUnsafeBytes { try send($0) }
    }

    /// Sends every byte, after what is pending.
    func send(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = try transport.write(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if written > 0 {
                offset += written
            } else {
                try waitUntilWritable()
            }
        }
    }

    private func sendFile(_ region: FileRegion) throws {
        guard transport.sendsFilesDirectly else { return try sendFileThroughTLS(region) }
        let socket = transport.socket
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
                try waitUntilWritable()
            }
        }
    }

    /// A file region over TLS: read in pieces of `tlsFilePieceBytes` and sent through the
    /// session, which encrypts them (sendfile would send the file's plaintext).
    private func sendFileThroughTLS(_ region: FileRegion) throws {
        let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.tlsFilePieceBytes, alignment: 16)
        defer { piece.deallocate() }
        var offset = region.offset
        let end = region.offset + region.length
        while offset < end {
            let wanted = Int(min(end - offset, Int64(piece.count)))
            let count = pread(region.file.descriptor, piece.baseAddress, wanted, off_t(offset))
            if count < 0 {
                if errno == EINTR { continue }
                throw SocketError.lastError("pread")
            }
            if count == 0 { throw HTTPError(.internalServerError, message: "file ended before its announced length") }
            try send(UnsafeRawBufferPointer(rebasing: piece[0..<count]))
            offset += Int64(count)
        }
    }

    /// Four TLS records' worth: one pread feeds several SSL_write calls, each a record.
    static let tlsFilePieceBytes = 64 * 1024

    /// Waits for room in the client's receive window, the worker counted as waiting rather
    /// than running (`WorkerPool.waiting`): a slow reader must not hold back others.
    private func waitUntilWritable() throws {
        let deadline = MonotonicTime.now() + writeTimeout
        if try workers.waiting({ try transport.waitUntilWritable(until: deadline) }) == .timedOut {
            throw HTTPError(.requestTimeout, message: "client stopped reading")
        }
    }
}

/// Writes a streamed response body, chunk-encoding it when its length was not known.
final class ConnectionBodyWriter: BodyWriter {
    private unowned let output: ConnectionOutput
    private let chunked: Bool
    private(set) var bytesWritten: Int64 = 0

    init(output: ConnectionOutput, chunked: Bool) {
        self.output = output
        self.chunked = chunked
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        if chunked {
            try ResponseEncoder.chunkHeader(count: bytes.count).withUnsafeBytes { try output.send($0) }
        }
        try output.send(bytes)
        if chunked { try ResponseEncoder.lineEnd.withUnsafeBytes { try output.send($0) } }
        bytesWritten += Int64(bytes.count)
    }
}
