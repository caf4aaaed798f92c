#if canImport(Glibc)
import Glibc
#endif

/// Every limit the engine enforces, in one place, each with the status answered when it is
/// crossed. Defaults follow what production servers ship (nginx, Apache), scaled to an
/// emulator that runs beside a test suite.
public struct HTTPLimits: Sendable {
    /// Request line (method, target, version). Crossed → 414 URI Too Long (RFC 9112 §3).
    public var maxRequestLineBytes = 8 * 1024
    /// All header field lines together. Crossed → 431.
    public var maxHeaderBytes = 32 * 1024
    /// Number of header fields. Crossed → 431.
    public var maxHeaderCount = 100
    /// Request content, whatever its framing. Crossed → 413. Each API may refuse smaller
    /// bodies itself (e.g. the Rosa upload limit).
    public var maxBodyBytes: Int64 = 4 * 1024 * 1024 * 1024
    /// One chunk-size line including extensions. Crossed → 400.
    public var maxChunkLineBytes = 4 * 1024
    /// Trailer fields after the last chunk. Crossed → 431.
    public var maxTrailerBytes = 8 * 1024
    /// Open connections per listener. Crossed → 503 and close.
    public var maxConnections = 2048
    /// Unread request content the connection discards to stay usable after a handler that
    /// did not read it; more than this and the connection is closed instead.
    public var maxDiscardedBodyBytes: Int64 = 1024 * 1024
    /// The size each connection's input and output buffers start at and return to between
    /// requests. A body read or a large answer grows them (up to the head limits, or 64 KiB
    /// while streaming a body); kept grown, a thousand kept-alive connections that each once
    /// read an upload held 16 KiB more apiece, and the server's memory crept up for minutes
    /// (`scripts/soak`).
    public var connectionBufferBytes = 16 * 1024
    /// The most of a request's target (or a refusal's reason) an access log line shows;
    /// beyond it the line shows this much and how many bytes were cut. A target may be
    /// `maxRequestLineBytes` long, and whole 8 KiB targets on every line made the log of a
    /// hostile client mostly its targets.
    public var accessLogTargetBytes = 512
    /// Requests that may wait in a deliberate delay (`Request.pause(for:)`: the emulator's
    /// fault delays and added latency) at once; one more is answered 503 at once instead of
    /// waiting. Each holds a worker thread and a connection for the whole delay (up to
    /// 300 s), so without a bound delayed requests took every connection slot and the port
    /// answered 503 to everything, health included. A quarter of `maxConnections`: a test
    /// suite delays tens of requests at a time, not hundreds, and the other three quarters
    /// of the slots stay free for everything else.
    public var maxDelayedRequests = 512
    /// Pending connections the kernel queues before `accept`.
    public var listenBacklog: Int32 = 4096
    /// Stack of each worker thread. Virtual memory: only touched pages are resident.
    /// Room for the deepest request a handler walks recursively (JSON nested to the APIs'
    /// limit) even in a ThreadSanitizer or AddressSanitizer build, whose frames are several
    /// times larger: at 512 KiB a body nested 256 deep overflowed the stack of a TSan build.
    public var threadStackBytes = 2 * 1024 * 1024
    /// Workers running at once before the pool stops adding more while none is free
    /// (`WorkerPool`); workers waiting on a client or a delay do not count. A few per core:
    /// enough to keep the cores busy when a handler waits on SQLite, few enough that the
    /// scheduler is not what orders the answers.
    public var runnableWorkers = max(8, 4 * Self.processorCount)
    /// Requests of one pipelining connection served in a row before the others get their
    /// turn (the rest stay buffered and are served next time round).
    public var requestsPerTurn = 64
    /// A worker that gets no connection to serve for this long ends (down to one).
    public var workerIdleTime: Duration = .seconds(10)
    /// How long every worker may look stuck (wake-ups pending, no worker free, none taken
    /// for this long) before the pool adds one regardless of `runnableWorkers`. Long
    /// enough that a loaded machine does not look stuck: at 5 ms, `scripts/soak` (wrk and
    /// the workers sharing two cores) saw no wake-up taken in many a window and the pool
    /// grew to 1000 threads; every worker busy in one request for 100 ms is a real stall.
    public var stallCheckInterval: Duration = .milliseconds(100)
    /// How often parked connections are checked against their deadlines: time-outs of
    /// waiting connections are this much late at most.
    public var parkedSweepInterval: Duration = .milliseconds(50)
    /// How long after a connection closes or a worker ends the memory they freed is handed
    /// back to the kernel (`FreedMemoryReturn`); at most one trim per delay, none while
    /// nothing closes or ends.
    public var freedMemoryReturnDelay: Duration = .seconds(2)

    public init() {}

    private static var processorCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

/// Every time limit of a connection, in one place.
public struct HTTPTimeouts: Sendable {
    /// From a request's first byte to the end of its head (slowloris). Crossed → 408, close.
    public var header: Duration = .seconds(10)
    /// An open connection with no request in progress. Crossed → quiet close.
    public var idle: Duration = .seconds(60)
    /// Longest wait for the next piece of a request body. Crossed → 408, close.
    public var bodyRead: Duration = .seconds(30)
    /// Longest wait for the client to take response bytes. Crossed → connection aborted.
    public var write: Duration = .seconds(30)
    /// After answering a request whose body we did not read, how long unread input is
    /// drained before closing, so the client reads the answer instead of a reset.
    public var lingeringClose: Duration = .seconds(2)
    /// From a TLS connection's acceptance to the end of its handshake (a client that
    /// connects and sends nothing, or a ClientHello a byte at a time). Crossed → close and
    /// a log line: there is no HTTP to answer in yet. Kept apart from `header` (which then
    /// starts) so a slow handshake cannot stretch a request head's time.
    public var tlsHandshake: Duration = .seconds(10)

    public init() {}
}

/// What one listener serves and how.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks any free port; `HTTPServer.port` reports it.
    public var port: Int
    public var limits: HTTPLimits
    public var timeouts: HTTPTimeouts
    /// Names this listener in logs (e.g. "rosti", "rosa").
    public var name: String
    /// Set: the listener speaks TLS (1.2 and 1.3, ALPN `http/1.1`) with this certificate;
    /// nil: plain HTTP.
    public var tls: TLSIdentity?

    public init(
        host: String = "127.0.0.1", port: Int = 0, name: String = "http",
        limits: HTTPLimits = HTTPLimits(), timeouts: HTTPTimeouts = HTTPTimeouts(), tls: TLSIdentity? = nil
    ) {
        self.tls = tls
        self.host = host
        self.port = port
        self.name = name
        self.limits = limits
        self.timeouts = timeouts
    }
}
