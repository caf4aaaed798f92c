/// How the body of a request is delimited (RFC 9112 §6.3), and the other per-request
/// decisions taken from the head before any handler runs.
enum BodyFraming: Equatable {
    case none
    case length(Int64)
    case chunked

    /// Checks the head's framing and host fields. Any ambiguity is refused with 400 rather
    /// than guessed at: two parties guessing differently is how requests get smuggled.
    static func decide(for head: RequestHead, limits: HTTPLimits) throws(HTTPParseError) -> BodyFraming {
        var hostCount = 0
        var contentLengths: [Substring] = []
        var transferCodings: [Substring] = []
        for field in head.headers {
            if field.name.equalsIgnoringASCIICase("Host") {
                hostCount += 1
            } else if field.name.equalsIgnoringASCIICase("Content-Length") {
                contentLengths += field.value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingHTTPWhitespace() }
            } else if field.name.equalsIgnoringASCIICase("Transfer-Encoding") {
                transferCodings += field.value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingHTTPWhitespace() }
            }
        }
        if head.version == .http1_1 && hostCount == 0 { throw .missingHost }
        if hostCount > 1 { throw .multipleHosts }

        if !transferCodings.isEmpty {
            // RFC 9112 §6.1: Transfer-Encoding in a 1.0 message means faulty framing.
            if head.version == .http1_0 || !contentLengths.isEmpty { throw .conflictingFraming }
            guard transferCodings.last?.equalsIgnoringASCIICase("chunked") == true else {
                throw .malformedTransferEncoding
            }
            if let other = transferCodings.dropLast().first {
                if other.isEmpty || other.equalsIgnoringASCIICase("chunked") { throw .malformedTransferEncoding }
                throw .unsupportedTransferCoding(String(other))
            }
            return .chunked
        }
        guard let first = contentLengths.first else { return .none }
        // Repeated values (in one field or several) are accepted only when identical.
        guard contentLengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
              first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let length = Int64(first)
        else { throw .invalidContentLength }
        if length > limits.maxBodyBytes { throw .contentTooLarge }
        return length == 0 ? .none : .length(length)
    }
}
