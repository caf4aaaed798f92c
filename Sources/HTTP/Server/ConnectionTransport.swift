import Primitives

/// The byte stream a connection speaks HTTP over: its socket, or — on a TLS listener, once
/// the handshake is done — the TLS session over that socket. Everything above it (the
/// parser, bodies, answers, limits and time-outs) is the same on both.
///
/// Used only by the worker serving the connection, like the connection itself.
final class ConnectionTransport {
    let socket: Socket
    /// Set by the connection when its handshake begins; nil on a plain listener.
    var tls: TLSSession?

    init(socket: Socket) {
        self.socket = socket
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Socket.ReadResult {
        if let tls { return tls.read(into: buffer) }
        return try socket.read(into: buffer)
    }

    /// Sends what the socket takes now; 0 = would block.
    func write(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        if let tls { return try tls.write(bytes) }
        return try socket.write(bytes)
    }

    /// Waits until the last operation that would have blocked can go on: for a read,
    /// readable — unless TLS has to write first; for a write, writable — unless TLS has to
    /// read first.
    func waitForInput(until deadline: MonotonicTime) throws -> Socket.WaitResult {
        try socket.wait(forWriting: tls?.blockedOnWriting ?? false, until: deadline)
    }

    func waitUntilWritable(until deadline: MonotonicTime) throws -> Socket.WaitResult {
        try socket.wait(forWriting: tls?.blockedOnWriting ?? true, until: deadline)
    }

    /// Input that arrived and sits in the TLS session, where the poller cannot see it.
    var hasBufferedInput: Bool { tls?.hasBufferedInput ?? false }

    /// Whether file content can go straight from the file to the socket (`sendfile`): not
    /// through TLS, which must encrypt it in user space (kernel TLS would allow it; this
    /// kernel has no `tls` module, see docs/http-engine.md).
    var sendsFilesDirectly: Bool { tls == nil }

    /// Ends our sending side: close_notify on TLS, then the socket's FIN. Reads stay open.
    func shutdownWrite() {
        tls?.sendCloseNotify()
        socket.shutdownWrite()
    }

    /// close_notify on TLS, then the descriptor is closed.
    func close() {
        tls?.sendCloseNotify()
        socket.close()
    }
}
