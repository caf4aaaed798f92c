/// Every bound of the Rosa File Store API, in one place, with what crossing it answers.
public struct RosaFileStoreLimits: Sendable, Equatable {
    /// The form field of the uploaded file (reference "Upload").
    public static let filePartName = "file_store[file]"
    /// Largest content of one file in a seed folder's `rosa-files/` (seed files are meant
    /// to be small examples).
    public static let seedFileMaximumBytes = 1 << 20

    /// Largest file an upload may carry → 413 `{"status": 413, "message": …}`. The engine's
    /// own cap on any body (`HTTPLimits.maxBodyBytes`, 4 GiB) still applies above it.
    public var maximumUploadBytes: Int64
    /// What a whole upload body may carry beyond the file: the multipart framing, part
    /// headers and small extra fields. A body longer than `maximumUploadBytes` plus this is
    /// refused (413) from its declared length before any byte is read, and otherwise once
    /// it has run past it.
    public var maximumFormOverheadBytes: Int64
    /// How much of the body is read at a time; the upload's memory is this buffer, the
    /// parser's bounded state and the SHA-1 block, whatever the file's size.
    public var uploadReadBufferBytes: Int
    /// Bounds of the multipart parser (part headers, parts, preamble).
    public var multipart: MultipartLimits

    public init(
        maximumUploadBytes: Int64 = 2 * 1024 * 1024 * 1024,
        maximumFormOverheadBytes: Int64 = 1024 * 1024,
        uploadReadBufferBytes: Int = 256 * 1024,
        multipart: MultipartLimits = .default
    ) {
        self.maximumUploadBytes = maximumUploadBytes
        self.maximumFormOverheadBytes = maximumFormOverheadBytes
        self.uploadReadBufferBytes = uploadReadBufferBytes
        self.multipart = multipart
    }

    public static let `default` = RosaFileStoreLimits()

    var maximumUploadBodyBytes: Int64 { maximumUploadBytes + maximumFormOverheadBytes }
}
