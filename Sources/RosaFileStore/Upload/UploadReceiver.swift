import Emulator
import HTTP

/// A file received from an upload body: durable and hashed in the blob store's temporary
/// folder, published at its address only when its row is recorded (`RosaFiles.insert`).
struct ReceivedFile {
    let contents: FinishedBlob
    var blob: StoredBlob { contents.blob }
    /// The part's `filename` made safe (basename, restricted characters).
    let fileName: StoredFileName
    /// The part's Content-Type as sent, if any.
    let contentType: String?
}

/// Reads an upload's `multipart/form-data` body as it arrives: the file part is hashed
/// while it is written to a temporary blob, other parts are skipped, and the blob is
/// committed only once the close delimiter has been read. On any failure — a malformed or
/// truncated body, no file part, an empty or oversize file, a client that goes away — the
/// temporary file is removed and nothing is stored.
struct UploadReceiver {
    let limits: RosaFileStoreLimits
    let blobs: BlobStore

    func receive(_ body: RequestBody, contentType: String?) throws -> ReceivedFile {
        let boundary = try MultipartBoundary(contentType: contentType ?? "")
        if let declared = body.declaredLength, declared > limits.maximumUploadBodyBytes {
            throw RosaError.uploadTooLarge(limit: limits.maximumUploadBytes)
        }
        var parser = MultipartParser(boundary: boundary, limits: limits.multipart)
        var file = FilePartWriter(maximumBytes: limits.maximumUploadBytes, blobs: blobs)
        defer { file.abandon() }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: limits.uploadReadBufferBytes, alignment: 16)
        defer { buffer.deallocate() }
        var bodyBytes: Int64 = 0
        while case let count = try Self.read(body, into: buffer), count > 0 {
            bodyBytes += Int64(count)
            // A chunked body announces no length; it is held to the same bound as it arrives.
            guard bodyBytes <= limits.maximumUploadBodyBytes else {
                throw RosaError.uploadTooLarge(limit: limits.maximumUploadBytes)
            }
            try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) { try file.handle($0) }
        }
        try parser.finish()
        return try file.finish()
    }

    /// The engine's own refusals (408 for a stalled body, 400 for broken chunking) are
    /// answered as they are; any other read failure means the client went away.
    private static func read(_ body: RequestBody, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            return try body.read(into: buffer)
        } catch let error as HTTPError {
            throw error
        } catch {
            throw RosaError.uploadInterrupted
        }
    }
}

/// Follows the parser's events and writes the first `file_store[file]` part to a blob.
/// Parts with other names, and later parts of the same name, are skipped: the first file
/// is the one a client sends, and a stream cannot go back to prefer another.
private struct FilePartWriter {
    private let maximumBytes: Int64
    private let blobs: BlobStore
    private var writer: BlobWriter?
    private var headers: MultipartPartHeaders?
    private var isWritingPart = false

    init(maximumBytes: Int64, blobs: BlobStore) {
        self.maximumBytes = maximumBytes
        self.blobs = blobs
    }

    mutating func handle(_ event: MultipartEvent) throws {
        switch event {
        case .partBegin(let part):
            guard part.name == RosaFileStoreLimits.filePartName, headers == nil else { return }
            writer = try blobs.beginWrite()
            headers = part
            isWritingPart = true
        case .partBytes(let bytes):
            guard isWritingPart, let writer else { return }
            guard writer.byteCount + Int64(bytes.count) <= maximumBytes else {
                throw RosaError.uploadTooLarge(limit: maximumBytes)
            }
            try writer.append(bytes)
        case .partEnd:
            isWritingPart = false
        case .bodyEnd:
            break
        }
    }

    /// The complete file part, durable and hashed (not yet at its content address).
    mutating func finish() throws -> ReceivedFile {
        guard let headers, let writer else { throw RosaError.missingFilePart }
        guard writer.byteCount > 0 else { throw RosaError.blankFile }
        let contents = try writer.finish()
        self.writer = nil
        // A part without a filename (a plain form field) is taken as the file all the same;
        // it is stored as `unnamed`.
        return ReceivedFile(
            contents: contents, fileName: StoredFileName(sanitizing: headers.filename ?? ""), contentType: headers.contentType)
    }

    /// Removes the temporary file of a write that did not finish.
    mutating func abandon() {
        writer?.abort()
        writer = nil
    }
}
