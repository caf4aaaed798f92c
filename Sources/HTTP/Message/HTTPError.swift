import JSON

/// An error a handler, the router or the engine throws to answer with a status. Each API
/// turns it into its own documented body in one place (its `ErrorRenderer`).
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPStatus
    /// A human-readable reason, for bodies that have room for one and for logs.
    public var message: String?
    /// Headers the answer must carry (e.g. `Allow` on 405).
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, message: String? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status)" + (message.map { ": \($0)" } ?? "") }
}

/// Turns any error into a response. One renderer per API gives that API's documented bodies;
/// the engine also uses it for framing errors it answers before any handler runs.
public protocol ErrorRenderer: Sendable {
    /// `request` is `nil` when the request could not be parsed.
    func response(for error: any Error, request: Request?) -> Response
}

/// A plain JSON body `{"error": "<reason>"}`: the engine's answer when no API renderer is set.
public struct PlainErrorRenderer: ErrorRenderer {
    public init() {}

    public func response(for error: any Error, request: Request?) -> Response {
        let httpError = error as? HTTPError ?? HTTPError(.internalServerError)
        var response = Response(
            status: httpError.status, contentType: "application/json",
            bytes: JSONWriter.bytes(["error": .string(httpError.message ?? httpError.status.reasonPhrase)], .compact))
        for field in httpError.headers { response.headers.replaceOrAdd(name: field.name, value: field.value) }
        return response
    }
}
