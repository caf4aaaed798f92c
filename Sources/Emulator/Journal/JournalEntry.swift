import HTTP

/// One API request as the journal remembers it. Every part is bounded (see
/// `ControlPlaneLimits.journal…`), so a journal of `journal_size` entries has a known
/// ceiling whatever clients send.
public struct JournalEntry: Sendable {
    /// How the exchange ended.
    public enum Outcome: Sendable, Equatable {
        /// An HTTP answer with this status.
        case answered(status: Int)
        /// The connection was closed without an answer (a `drop` fault).
        case dropped
        /// Bytes that are not HTTP were sent, then the connection closed (a `garbage` fault).
        case garbage
    }

    /// Increasing across the whole emulator (every tenant, both ports), so entries of
    /// several tenants merge in arrival order.
    public let id: Int
    /// When the request arrived, on the tenant's clock (unix seconds).
    public let time: Double
    public let api: EmulatedAPI
    public let tenant: String
    public let method: String
    /// As received, percent-encoded; at most `journalTargetBytes`.
    public let path: String
    public let query: String?
    /// As received, `Authorization` and `Proxy-Authorization` redacted to their scheme.
    public let headers: HTTPHeaders
    /// Whether some header fields were left out to stay within `journalHeaderBytes`.
    public let headersTruncated: Bool
    /// The declared `Content-Length`, or for a chunked body the bytes the handler read.
    public let bodySize: Int64
    /// The first bytes of the body, when it was small enough to be read before the routes
    /// (`journalBufferedBodyMaximumBytes`); `nil` for bodies that streamed to the handler.
    public let bodyPrefix: [UInt8]?
    public let outcome: Outcome
    /// From the request's first byte to its answer being ready (a streamed answer body's
    /// transfer is not included).
    public let durationMilliseconds: Double
    /// The fault that shaped the answer, if one did (`rule 3: status 503`, `header: drop`).
    public let fault: String?

    public var status: Int? {
        if case .answered(let status) = outcome { return status }
        return nil
    }
}

/// What goes into an entry's header fields: the request's, with credentials replaced and
/// the total kept within a budget.
enum JournalHeaders {
    /// Fields whose values are credentials; the journal keeps only the scheme
    /// (`Basic [redacted]`), which is what a test wants to check anyway.
    static let redactedFields = ["Authorization", "Proxy-Authorization"]
    static let redactionMark = "[redacted]"

    static func capture(_ headers: HTTPHeaders, budget: Int = ControlPlaneLimits.journalHeaderBytes) -> (HTTPHeaders, truncated: Bool) {
        // Most requests carry no credentials and few bytes: they are kept as they are, with
        // no copy (the journal is on every request's path).
        var total = 0
        var needsRedaction = false
        for field in headers {
            total += field.name.utf8.count + field.value.utf8.count
            needsRedaction = needsRedaction || isRedacted(field.name)
        }
        if total <= budget && !needsRedaction { return (headers, false) }

        var kept = HTTPHeaders()
        var left = budget
        var truncated = false
        for field in headers {
            let value = isRedacted(field.name) ? redact(field.value) : field.value
            let cost = field.name.utf8.count + value.utf8.count
            guard cost <= left else {
                truncated = true
                continue
            }
            left -= cost
            kept.add(name: field.name, value: value)
        }
        return (kept, truncated)
    }

    /// Compares lengths first: almost every field is not one of these.
    static func isRedacted(_ name: String) -> Bool {
        let length = name.utf8.count
        return redactedFields.contains { $0.utf8.count == length && name.equalsIgnoringASCIICase($0) }
    }

    /// `Token abc…` → `Token [redacted]`; a value without a scheme is replaced whole.
    static func redact(_ value: String) -> String {
        let trimmed = value.trimmingHTTPWhitespace()
        guard let space = trimmed.firstIndex(of: " ") else { return redactionMark }
        return "\(trimmed[..<space]) \(redactionMark)"
    }
}

/// What goes into an entry's body prefix: the bytes as received, except the values of JSON
/// members that carry a secret (a Rosti storage's `password`), which become `"[redacted]"`.
/// The journal is readable by anyone who may call the admin API, and the Rosti API itself
/// never gives a password back.
enum JournalBody {
    /// Member names whose values are secrets, as they appear between quotes in a body.
    static let redactedMembers: [[UInt8]] = [Array(#""password""#.utf8)]
    static let redactedValue = Array(#""[redacted]""#.utf8)

    static func redactingSecrets(_ prefix: [UInt8]) -> [UInt8] {
        var bytes = prefix
        for member in redactedMembers {
            var searchStart = 0
            while let found = bytes[searchStart...].firstRange(of: member) {
                searchStart = redactValue(in: &bytes, after: found.upperBound)
            }
        }
        return bytes
    }

    /// Replaces the value after `"name"`, blanks and `:` (a string up to its unescaped
    /// closing quote, or anything else up to the next delimiter; a prefix may end inside
    /// it). Returns where to search on.
    private static func redactValue(in bytes: inout [UInt8], after nameEnd: Int) -> Int {
        func skipBlanks(from index: Int) -> Int {
            var index = index
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
            return index
        }
        let colon = skipBlanks(from: nameEnd)
        guard colon < bytes.count, bytes[colon] == UInt8(ascii: ":") else { return nameEnd }
        let start = skipBlanks(from: colon + 1)
        guard start < bytes.count else { return start }
        var end = start
        if bytes[start] == UInt8(ascii: "\"") {
            end = start + 1
            while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
            }
            end = min(end + 1, bytes.count)
        } else {
            while end < bytes.count, !Array(",}] \t\r\n".utf8).contains(bytes[end]) { end += 1 }
        }
        bytes.replaceSubrange(start..<end, with: redactedValue)
        return start + redactedValue.count
    }
}

extension String {
    /// At most `maximumBytes` of UTF-8, cut between Unicode scalars.
    func truncatedToUTF8(_ maximumBytes: Int) -> String {
        guard utf8.count > maximumBytes else { return self }
        var end = utf8.index(utf8.startIndex, offsetBy: maximumBytes)
        while end > startIndex && end.samePosition(in: unicodeScalars) == nil { end = utf8.index(before: end) }
        return String(unicodeScalars[..<end])
    }
}
