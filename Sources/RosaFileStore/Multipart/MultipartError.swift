/// Why a `multipart/form-data` request could not be read. The API turns these into a 4xx
/// JSON body carrying `message`; the cases are grouped by where the fault lies.
public enum MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    // The request's Content-Type header.
    /// The media type is not `multipart/form-data` (empty when the header is missing or blank).
    case notFormData(mediaType: String)
    /// The parameter list does not parse (RFC 9110 §5.6.6), or names `boundary` twice.
    case malformedContentType
    case missingBoundary
    case emptyBoundary
    /// RFC 2046 §5.1.1 allows at most `MultipartBoundary.maximumLength` characters.
    case boundaryTooLong(length: Int)
    /// A control or non-ASCII character, or a trailing space (see `MultipartBoundary`).
    case invalidBoundary

    // The framing of the body.
    /// No delimiter line within `MultipartLimits.maximumPreambleBytes`, or none at all.
    case boundaryNotFound
    /// A line starts with the delimiter but goes on with something other than padding and a
    /// line break (RFC 2046 §5.1.1).
    case malformedDelimiterLine
    /// The body ended before the close delimiter `--boundary--`.
    case truncated
    case tooManyParts(limit: Int)

    // A part's header section.
    case headerLineTooLong(limit: Int)
    case headerSectionTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    /// No colon, an invalid field name, a control character, or a continuation line first.
    case malformedHeaderLine
    /// A header the parser interprets (Content-Disposition, Content-Type) appears twice.
    case duplicateHeader(name: String)
    /// RFC 7578 §4.2: every part must carry one.
    case missingContentDisposition
    case malformedContentDisposition
    /// RFC 7578 §4.2: the disposition type must be `form-data`.
    case notFormDataDisposition(type: String)
    /// RFC 7578 §4.2: the disposition must carry a `name` parameter.
    case missingPartName

    // Use of the parser.
    /// `feed` or `finish` was called after the event handler threw; the position in the
    /// body is lost, so the parser cannot go on.
    case interrupted

    public var message: String {
        switch self {
        case .notFormData(let mediaType) where mediaType.isEmpty:
            "The request has no Content-Type; expected multipart/form-data."
        case .notFormData(let mediaType):
            "The request's Content-Type is \(Self.quoted(mediaType)); expected multipart/form-data."
        case .malformedContentType:
            "The request's Content-Type header is malformed."
        case .missingBoundary:
            "The request's Content-Type has no boundary parameter."
        case .emptyBoundary:
            "The request's multipart boundary is empty."
        case .boundaryTooLong(let length):
            "The request's multipart boundary has \(length) characters; at most \(MultipartBoundary.maximumLength) are allowed."
        case .invalidBoundary:
            "The request's multipart boundary contains a character that is not allowed."
        case .boundaryNotFound:
            "The request body does not contain the multipart boundary named in its Content-Type."
        case .malformedDelimiterLine:
            "A multipart boundary line in the request body is followed by unexpected characters."
        case .truncated:
            "The request body ended before the closing multipart boundary."
        case .tooManyParts(let limit):
            "The request body has more than \(limit) parts."
        case .headerLineTooLong(let limit):
            "A part header line in the request body is longer than \(limit) bytes."
        case .headerSectionTooLarge(let limit):
            "A part's headers in the request body are larger than \(limit) bytes."
        case .tooManyHeaders(let limit):
            "A part in the request body has more than \(limit) header fields."
        case .malformedHeaderLine:
            "A part header line in the request body is malformed."
        case .duplicateHeader(let name):
            "A part in the request body has more than one \(name) header."
        case .missingContentDisposition:
            "A part in the request body has no Content-Disposition header."
        case .malformedContentDisposition:
            "A part's Content-Disposition header is malformed."
        case .notFormDataDisposition(let type):
            "A part's Content-Disposition is \(Self.quoted(type)); expected form-data."
        case .missingPartName:
            "A part's Content-Disposition has no name parameter."
        case .interrupted:
            "The request body could not be read further after an earlier failure."
        }
    }

    public var description: String { message }

    /// Client text echoed in a message is cut short: it ends up in a response body and a log.
    private static func quoted(_ clientText: String) -> String {
        let shown = 64
        return clientText.count > shown ? "'\(clientText.prefix(shown))…'" : "'\(clientText)'"
    }
}
