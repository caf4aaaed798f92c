import HTTP
import JSON

/// Answers of the Rosti API as DRF sends them.
enum RostiResponse {
    /// `application/json` (DRF's `JSONRenderer` names no charset), in the answer's language
    /// (Django's `LocaleMiddleware` says it in `Content-Language`).
    static func json(_ value: JSONValue, status: HTTPStatus = .ok, language: Language, headers: HTTPHeaders = [:]) -> Response {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Language", value: language.rawValue)
        headers.replaceOrAdd(name: "Vary", value: "Accept, Accept-Language")
        return Response(status: status, contentType: "application/json", bytes: JSONWriter.bytes(value, .djangoREST), headers: headers)
    }
}
