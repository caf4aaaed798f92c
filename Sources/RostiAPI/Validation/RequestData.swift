import HTTP
import JSON

/// DRF's `request.data` for an API that parses JSON only.
///
/// The bytes are read before any database work (a slow client must never hold the writer),
/// but a parse error is only thrown when the handler asks for the data, because DRF parses
/// lazily: a `PUT` to an object that does not exist is a 404 even with a broken body.
struct RequestData {
    private let parsed: Result<JSONValue, RostiError>

    init(_ request: Request) throws {
        let bytes = try request.body.collect(upTo: RostiLimits.maximumRequestBodyBytes)
        parsed = Self.parse(bytes, contentType: request.headers["Content-Type"])
    }

    init(parsed: Result<JSONValue, RostiError>) { self.parsed = parsed }

    /// The parsed body; throws the parse or media-type error.
    func value() throws -> JSONValue { try parsed.get() }

    /// DRF's `Request._parse`: an empty body, or one without a `Content-Type`, is no data
    /// (`{}`) and is not parsed at all; a body of another media type is 415.
    static func parse(_ bytes: [UInt8], contentType: String?) -> Result<JSONValue, RostiError> {
        guard let contentType, !bytes.isEmpty else { return .success(.object(JSONObject())) }
        guard isJSON(contentType) else { return .failure(.unsupportedMediaType(contentType)) }
        do {
            return .success(try JSONParser.parse(bytes, options: parserOptions))
        } catch {
            return .failure(.jsonParseError(reason: error.reason))
        }
    }

    /// `json.loads` as DRF calls it, with the nesting bounded where Python would run out of stack.
    static let parserOptions = JSONParser.Options(maximumNesting: RostiLimits.maximumJSONNesting)

    /// `application/json`, with any parameters (`; charset=utf-8`), in any letter case.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return mediaType.trimmingHTTPWhitespace().lowercased() == "application/json"
    }
}
