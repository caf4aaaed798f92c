/// The boundary of a `multipart/form-data` body (RFC 7578 §4.1), validated so that the parser
/// can rely on it.
///
/// RFC 2046 §5.1.1 restricts a boundary to 1…70 `bchars` (letters, digits, `'()+_,-./:=?`
/// and space, not ending in a space). Other servers accept any boundary their clients send,
/// so this accepts every visible ASCII character and interior spaces, and rejects only what
/// would break delimiter recognition: controls (a CR or LF would make a delimiter line
/// ambiguous, and the parser's linear scan relies on a CR occurring in the delimiter only at
/// its start), non-ASCII bytes, and a trailing space (indistinguishable from transport
/// padding). The length limit is kept: it bounds what the parser holds back between chunks.
public struct MultipartBoundary: Sendable, Hashable, CustomStringConvertible {
    public static let maximumLength = 70

    /// The boundary as given in the Content-Type, without the leading `--` of a delimiter line.
    public let value: String

    public init(_ value: String) throws(MultipartError) {
        let bytes = value.utf8
        guard !bytes.isEmpty else { throw .emptyBoundary }
        guard bytes.count <= Self.maximumLength else { throw .boundaryTooLong(length: bytes.count) }
        guard bytes.allSatisfy({ $0 >= HeaderByte.space && $0 < 0x7F }), bytes.last != HeaderByte.space
        else { throw .invalidBoundary }
        self.value = value
    }

    /// Reads the boundary from a request's Content-Type value, e.g.
    /// `multipart/form-data; boundary="simple boundary"`. The media type and parameter names
    /// compare case-insensitively (RFC 9110 §8.3.1, §5.6.6), other parameters are ignored,
    /// and a quoted or unquoted value means the same (RFC 9110 §5.6.6).
    ///
    /// Only `multipart/form-data` is accepted: the parser's rules for part headers are those
    /// of RFC 7578, not of `multipart/mixed` and its kin.
    public init(contentType: String) throws(MultipartError) {
        let mediaType = ParameterizedHeaderValue.leadingValue(of: contentType)
        guard mediaType.lowercased() == "multipart/form-data" else { throw .notFormData(mediaType: mediaType) }
        guard let parsed = ParameterizedHeaderValue(parsing: contentType) else { throw .malformedContentType }
        switch parsed.parameter("boundary") {
        case .absent: throw .missingBoundary
        case .repeated: throw .malformedContentType
        case .unique(let boundary): try self.init(boundary)
        }
    }

    public var description: String { value }

    /// CRLF `--` boundary. RFC 2046 §5.1.1 attaches the line break before a boundary to the
    /// delimiter, so a part's content ends before that CR.
    var delimiter: [UInt8] { Array("\r\n--\(value)".utf8) }
}
