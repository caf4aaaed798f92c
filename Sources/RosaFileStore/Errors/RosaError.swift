/// Everything a Rosa handler refuses, by what went wrong; `RosaErrorRenderer` turns each
/// into its documented (or, where the reference leaves room, our own) status and body.
public enum RosaError: Error, Sendable, Equatable {
    /// No usable credentials where the endpoint needs them → 401.
    case authenticationRequired
    /// Basic credentials that match no user → 401.
    case invalidCredentials
    /// Authenticated, but not allowed (delete of another user's file) → 403.
    case accessViolation
    /// Over the rate limit → 403 with the rate-limit text.
    case rateLimitExceeded
    /// No such file, or a route that does not exist → 404.
    case notFound
    /// The same content is already stored, by anyone → 422.
    case duplicateFile(sha1: String)
    /// The file part was empty → 422.
    case blankFile
    /// The body carried no `file_store[file]` part → 400.
    case missingFilePart
    /// The upload body could not be read to its end: the client went away or broke the
    /// framing. Nobody may be left to read the answer; it is not an error of ours.
    case uploadInterrupted
    /// The upload is larger than `RosaFileStoreLimits.maximumUploadBytes` → 413.
    case uploadTooLarge(limit: Int64)
    /// A `Range` that starts at or past the end of the file → 416.
    case rangeNotSatisfiable(fileSize: Int64)
}
