import Emulator
import HTTP
import JSON

/// The one place where every error on the Rosti port becomes an answer: errors thrown by
/// handlers, the router's 404 and 405, maintenance (503), rate limits (429) and the HTTP
/// engine's refusals of unparsable requests (400, 408, 413, 414, 431, 501, 505).
///
/// Bodies are DRF's: `{"detail": "…"}` (validation: Rosti's `{"message": "validation error",
/// "errors": {…}}`), in the language `Accept-Language` picks, else the configured default.
struct RostiErrorRenderer: ErrorRenderer {
    let settings: SettingsStore

    func response(for error: any Error, request: Request?) -> Response {
        let language = request?.language(default: settings.value.language) ?? Language(configured: settings.value.language)
        let (status, body, headers) = Self.describe(error, request: request, language: language)
        if status == .internalServerError {
            request?.logger.error("rosti: unexpected error: \(String(describing: error))")
        }
        return RostiResponse.json(body, status: status, language: language, headers: headers)
    }

    static func describe(_ error: any Error, request: Request?, language: Language) -> (HTTPStatus, JSONValue, HTTPHeaders) {
        func detail(_ message: Message) -> JSONValue { ["detail": .string(message.text(language))] }
        switch error {
        case let error as RostiError:
            switch error {
            case .notAuthenticated:
                return (.unauthorized, detail(.notAuthenticated), ["WWW-Authenticate": "Token"])
            case .authenticationFailed(let message):
                return (.unauthorized, detail(message), ["WWW-Authenticate": "Token"])
            case .permissionDenied:
                return (.forbidden, detail(.permissionDenied), [:])
            case .notFound:
                return (.notFound, detail(.notFound), [:])
            case .jsonParseError(let reason):
                return (.badRequest, detail(.jsonParseError(reason: reason)), [:])
            case .unsupportedMediaType(let mediaType):
                return (.unsupportedMediaType, detail(.unsupportedMediaType(mediaType)), [:])
            case .notAcceptable:
                return (HTTPStatus(code: 406), detail(.notAcceptable), [:])
            case .validation(let errors):
                return (.badRequest, ["message": .string(Message.validationErrorTitle), "errors": errors.json(language)], [:])
            }
        case let error as ValidationErrors:
            return describe(RostiError.validation(error), request: request, language: language)
        case let error as HTTPError:
            return (error.status, detail(message(for: error, request: request)), error.headers)
        default:
            return (.internalServerError, detail(.serverError), [:])
        }
    }

    /// The text for a status the router, the emulator or the HTTP engine chose.
    private static func message(for error: HTTPError, request: Request?) -> Message {
        switch error.status.code {
        case 400: return .malformedRequest
        case 401: return .notAuthenticated
        case 403: return .permissionDenied
        case 404: return .notFound
        case 405: return .methodNotAllowed(method: request?.method.rawValue ?? "")
        case 406: return .notAcceptable
        case 408: return .requestTimeout
        case 413: return .bodyTooLarge
        case 414: return .uriTooLong
        case 415: return .unsupportedMediaType(request?.headers["Content-Type"] ?? "")
        case 417: return .expectationFailed
        case 429:
            // DRF rounds the wait up to whole seconds; the rate limiter says it in Retry-After.
            return .throttled(waitSeconds: error.headers["Retry-After"].flatMap { Double($0) }.map { Int($0.rounded(.up)) })
        case 431: return .headerFieldsTooLarge
        case 500: return .serverError
        case 501: return .notImplemented
        case 503: return .serviceUnavailable
        case 505: return .httpVersionNotSupported
        default: return .otherStatus(reasonPhrase: error.status.reasonPhrase)
        }
    }
}
