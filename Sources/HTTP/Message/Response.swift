#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A response as a handler builds it. The engine's `ResponseEncoder` adds the framing
/// (`Content-Length` or chunked), `Date`, `X-Request-Id` and `Connection`; handlers set
/// everything else.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: ResponseBody
    /// How the answer leaves the connection; anything but `.http` is for fault injection.
    public var transport: ResponseTransport

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: ResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
        self.transport = .http
    }

    /// A response with a body of bytes and its media type.
    public init(status: HTTPStatus = .ok, contentType: String, bytes: [UInt8], headers: HTTPHeaders = [:]) {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: contentType)
        self.init(status: status, headers: headers, body: .bytes(bytes))
    }

    /// Close the connection without sending anything.
    public static func dropConnection() -> Response {
        var response = Response(status: .ok)
        response.transport = .dropConnection
        return response
    }

    /// Send exactly these bytes (not HTTP), then close.
    public static func rawBytesThenClose(_ bytes: [UInt8]) -> Response {
        var response = Response(status: .ok)
        response.transport = .raw(bytes)
        return response
    }
}

public enum ResponseTransport: Sendable {
    case http
    case dropConnection
    case raw([UInt8])
}

public enum ResponseBody: Sendable {
    case empty
    case bytes([UInt8])
    /// Bytes of an open file, sent with `sendfile(2)` without passing through memory.
    case file(FileRegion)
    /// Bytes produced while the response is written: with a length they are sent as is,
    /// without one they are chunked (or close-delimited for an HTTP/1.0 client).
    case stream(length: Int64?, producer: @Sendable (any BodyWriter) throws -> Void)

    /// The length of the content when it is known before writing.
    public var knownLength: Int64? {
        switch self {
        case .empty: return 0
        case .bytes(let bytes): return Int64(bytes.count)
        case .file(let region): return region.length
        case .stream(let length, _): return length
        }
    }
}

/// Where a streaming producer writes its bytes.
public protocol BodyWriter {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension BodyWriter {
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// An open file descriptor, closed when the last reference goes. Opening the file in the
/// handler (rather than naming a path for the writer to open later) means a file removed in
/// between is still sent whole: on Linux an unlinked file stays readable while open.
public final class OpenFile: Sendable {
    public let descriptor: Int32
    public let size: Int64

    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SocketError.lastError("open \(path)") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = SocketError.lastError("fstat \(path)")
            close(fd)
            throw error
        }
        descriptor = fd
        size = Int64(info.st_size)
    }

    deinit { close(descriptor) }
}

/// A byte range of an open file.
public struct FileRegion: Sendable {
    public let file: OpenFile
    public let offset: Int64
    public let length: Int64

    public init(file: OpenFile, offset: Int64 = 0, length: Int64? = nil) {
        self.file = file
        self.offset = offset
        self.length = length ?? (file.size - offset)
    }
}
