import Emulator
import HTTP
import JSON

/// The one place that turns any error on the Rosa port into the API's documented body:
/// handler errors (`RosaError`), bodies the multipart parser refuses (`MultipartError`),
/// the router's 404 and 405, the engine's framing errors (400, 408, 413, 414, 431, 501,
/// 505), maintenance (503) and anything unexpected (500). Headers an `HTTPError` carries
/// (`Allow` on 405) are kept.
public struct RosaErrorRenderer: ErrorRenderer {
    public init() {}

    public func response(for error: any Error, request: Request?) -> Response {
        switch error {
        case let error as RosaError:
            return Self.response(for: error)
        case let error as MultipartError:
            return Self.statusAndMessage(.badRequest, error.message)
        case let error as HTTPError:
            var response = Self.response(forStatus: error.status, message: error.message)
            for field in error.headers { response.headers.replaceOrAdd(name: field.name, value: field.value) }
            return response
        default:
            // A failure of ours (the database, the disk): the client gets the documented 500,
            // the log gets the cause.
            request?.logger.error("internal error: \(error)")
            return Self.json(.internalServerError, RosaBodies.internalError)
        }
    }

    static func response(for error: RosaError) -> Response {
        switch error {
        case .authenticationRequired:
            return unauthorized(RosaBodies.signInRequired)
        case .invalidCredentials:
            return unauthorized(RosaBodies.invalidCredentials)
        case .accessViolation:
            return json(.forbidden, RosaBodies.accessViolation)
        case .rateLimitExceeded:
            return json(.forbidden, RosaBodies.rateLimitExceeded)
        case .notFound:
            return json(.notFound, RosaBodies.notFound)
        case .duplicateFile(let sha1):
            return json(.unprocessableContent, RosaBodies.duplicateFile(sha1: sha1))
        case .blankFile:
            return json(.unprocessableContent, RosaBodies.blankFile)
        case .missingFilePart:
            return statusAndMessage(
                .badRequest, "The request has no file part named \(RosaFileStoreLimits.filePartName).")
        case .uploadInterrupted:
            return statusAndMessage(.badRequest, "The request body could not be read to its end.")
        case .uploadTooLarge(let limit):
            return statusAndMessage(
                .contentTooLarge, "The file is larger than the maximum upload size of \(limit) bytes.")
        case .rangeNotSatisfiable(let size):
            var response = statusAndMessage(
                .rangeNotSatisfiable, "The requested range is not satisfiable: the file has \(size) bytes.")
            response.headers.replaceOrAdd(name: "Content-Range", value: "bytes */\(size)")
            return response
        }
    }

    /// The answer to a bare status (the router, the engine, maintenance, later fault rules):
    /// the documented body where the reference has one for that status.
    static func response(forStatus status: HTTPStatus, message: String?) -> Response {
        // By code: a status made with a custom reason phrase is still that status.
        switch status.code {
        case 401: return unauthorized(RosaBodies.signInRequired)
        case 403: return json(.forbidden, RosaBodies.accessViolation)
        case 404: return json(.notFound, RosaBodies.notFound)
        case 405: return json(.methodNotAllowed, RosaBodies.methodNotAllowed)
        case 500: return json(.internalServerError, RosaBodies.internalError)
        case 503: return json(.serviceUnavailable, RosaBodies.maintenance)
        case 302: return RosaRoutes.redirectToSiteRoot(request: nil)
        default: return statusAndMessage(status, message ?? status.reasonPhrase)
        }
    }

    /// Our own 4xx/5xx where the reference has no body: the documented `{status, message}`
    /// shape, so clients that read `message` find one.
    static func statusAndMessage(_ status: HTTPStatus, _ message: String) -> Response {
        json(status, RosaBodies.statusAndMessage(status.code, message))
    }

    static func unauthorized(_ body: JSONValue) -> Response {
        var response = json(.unauthorized, body)
        response.headers.replaceOrAdd(name: "WWW-Authenticate", value: #"Basic realm="Application""#)
        return response
    }

    static func json(_ status: HTTPStatus, _ body: JSONValue) -> Response {
        Response(status: status, contentType: RosaJSON.contentType, bytes: JSONWriter.bytes(body, .spaced))
    }
}

/// The documented bodies (reference "Error bodies", "Authentication", "Upload"), written
/// byte for byte as the reference shows them by the spaced format (`": "`, `", "`).
enum RosaBodies {
    static let notFound: JSONValue = ["status": 404, "message": "Error 404. Resource not found!"]
    static let internalError: JSONValue = [
        "status": 500, "message": "Something went wrong. We've been notified about this issue and we'll take a look at it shortly.",
    ]
    static let maintenance: JSONValue = [
        "status": 503,
        "message": "We update the site, it will take some time. We are really trying to do it fast. We apologize for any inconvenience..",
    ]
    static let accessViolation: JSONValue = ["message": "Access violation to this page!"]
    static let rateLimitExceeded: JSONValue = ["message": "403 Forbidden | Rate Limit Exceeded"]
    static let signInRequired: JSONValue = ["error": "You need to sign in or sign up before continuing."]
    static let invalidCredentials: JSONValue = ["error": "Invalid email or password."]
    static let blankFile: JSONValue = ["file": ["can't be blank"]]
    /// Ours: the reference has no 405 text; this follows the 404's.
    static let methodNotAllowed: JSONValue = ["status": 405, "message": "Error 405. Method not allowed!"]

    static func duplicateFile(sha1: String) -> JSONValue {
        ["sha1_hash": [.string("'\(sha1)' - file already exists")]]
    }

    static func statusAndMessage(_ code: Int, _ message: String) -> JSONValue {
        ["status": .integer(code), "message": .string(message)]
    }
}
