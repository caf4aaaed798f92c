/// Where a request body's bytes come from: the connection (streamed off the socket as the
/// handler reads) or memory (tests, replays).
protocol RequestBodySource: AnyObject {
    /// Copies up to `buffer.count` body bytes; returns 0 at the end of the body.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A request body that handlers pull as they need it, so that a 1 GB upload is never held in
/// memory. Reading is confined to the thread serving the request.
///
/// `@unchecked Sendable`: the body is created by the worker serving the connection and only
/// ever read on that same thread while the handler runs (handlers are synchronous); it is
/// never shared with another thread, but `Request` must be `Sendable` to pass through
/// middleware.
public final class RequestBody: @unchecked Sendable {
    /// The `Content-Length` of the request, when it has one (not for chunked bodies).
    public let declaredLength: Int64?
    private let source: RequestBodySource
    public private(set) var bytesRead: Int64 = 0
    public private(set) var isComplete = false

    init(source: RequestBodySource, declaredLength: Int64?) {
        self.source = source
        self.declaredLength = declaredLength
    }

    /// A body held in memory.
    public convenience init(bytes: [UInt8]) {
        self.init(source: MemoryBodySource(bytes: bytes), declaredLength: Int64(bytes.count))
    }

    /// Whether the request announced no body at all.
    public var isEmpty: Bool { declaredLength == 0 }

    /// Reads up to `buffer.count` bytes; 0 means the body is complete.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if isComplete || buffer.count == 0 { return 0 }
        let count = try source.read(into: buffer)
        if count == 0 { isComplete = true }
        bytesRead += Int64(count)
        return count
    }

    /// The next piece of the body, at most `maxLength` bytes, or `nil` at the end.
    public func readChunk(maxLength: Int = 64 * 1024) throws -> [UInt8]? {
        // Read into uninitialised room: zero-filling 64 KiB per call showed in profiles.
        let chunk = try [UInt8](unsafeUninitializedCapacity: maxLength) { room, initialized in
            initialized = try read(into: UnsafeMutableRawBufferPointer(room))
        }
        return chunk.isEmpty ? nil : chunk
    }

    /// The whole body, refused with 413 as soon as it grows past `limit` bytes.
    public func collect(upTo limit: Int) throws -> [UInt8] {
        if let declaredLength, declaredLength > Int64(limit) {
            throw HTTPError(.contentTooLarge, message: "Request body is larger than \(limit) bytes.")
        }
        var bytes: [UInt8] = []
        if let declaredLength { bytes.reserveCapacity(Int(declaredLength)) }
        try withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 1) { scratch in
            while case let count = try read(into: scratch), count > 0 {
                if bytes.count + count > limit {
                    throw HTTPError(.contentTooLarge, message: "Request body is larger than \(limit) bytes.")
                }
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<count]))
            }
        }
        return bytes
    }
}

final class MemoryBodySource: RequestBodySource {
    private let bytes: [UInt8]
    private var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
        }
        offset += count
        return count
    }
}
