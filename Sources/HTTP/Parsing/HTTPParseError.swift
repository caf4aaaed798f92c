/// Why a request could not be framed or parsed, with the status it is answered with.
/// After any of these the connection is closed: the framing can no longer be trusted.
public enum HTTPParseError: Error, Equatable, Sendable {
    case requestLineTooLong          // 414 (RFC 9112 §3)
    case headerSectionTooLarge       // 431 (RFC 6585 §5)
    case tooManyHeaderFields         // 431
    case bareLineFeed                // 400: LF without CR is a smuggling vector (RFC 9112 §2.2)
    case malformedRequestLine(String) // 400
    case unsupportedVersion(String)  // 505
    case malformedHeaderField(String) // 400
    case obsoleteLineFolding         // 400 (RFC 9112 §5.2)
    case missingHost                 // 400 (RFC 9112 §3.2)
    case multipleHosts               // 400
    case invalidHost                 // 400: not host[:port] (RFC 9112 §3.2, RFC 3986 §3.2.2)
    case conflictingFraming          // 400: Content-Length with Transfer-Encoding (RFC 9112 §6.3)
    case invalidContentLength        // 400
    case contentTooLarge             // 413
    case unsupportedTransferCoding(String) // 501 (RFC 9112 §6.1)
    case malformedTransferEncoding   // 400
    case malformedChunk(String)      // 400
    case trailerSectionTooLarge      // 431
    case unsupportedExpectation(String) // 417 (RFC 9110 §10.1.1)

    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: return .uriTooLong
        case .headerSectionTooLarge, .tooManyHeaderFields, .trailerSectionTooLarge: return .requestHeaderFieldsTooLarge
        case .unsupportedVersion: return .httpVersionNotSupported
        case .contentTooLarge: return .contentTooLarge
        case .unsupportedTransferCoding: return .notImplemented
        case .unsupportedExpectation: return .expectationFailed
        default: return .badRequest
        }
    }

    public var message: String {
        switch self {
        case .requestLineTooLong: return "Request line is too long."
        case .headerSectionTooLarge: return "Request header fields are too large."
        case .tooManyHeaderFields: return "Too many request header fields."
        case .bareLineFeed: return "Lines must end with CRLF."
        case .malformedRequestLine(let why): return "Malformed request line: \(why)."
        case .unsupportedVersion(let version): return "HTTP version \(version) is not supported."
        case .malformedHeaderField(let why): return "Malformed header field: \(why)."
        case .obsoleteLineFolding: return "Obsolete line folding is not accepted."
        case .missingHost: return "An HTTP/1.1 request needs a Host header."
        case .multipleHosts: return "More than one Host header."
        case .invalidHost: return "The Host header (or the target's authority) is not a valid host[:port]."
        case .conflictingFraming: return "Content-Length and Transfer-Encoding must not both be sent."
        case .invalidContentLength: return "Invalid Content-Length."
        case .contentTooLarge: return "Request body is too large."
        case .unsupportedTransferCoding(let coding): return "Transfer coding \(coding) is not supported."
        case .malformedTransferEncoding: return "Transfer-Encoding must end with chunked."
        case .malformedChunk(let why): return "Malformed chunked body: \(why)."
        case .trailerSectionTooLarge: return "Trailer fields are too large."
        case .unsupportedExpectation(let value): return "Expectation \(value) is not supported."
        }
    }

    public var httpError: HTTPError { HTTPError(status, message: message) }
}
