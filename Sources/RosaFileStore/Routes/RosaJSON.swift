import Emulator
import EmulatorState
import HTTP
import JSON

/// How every successful JSON answer leaves the Rosa API: `application/json; charset=utf-8`
/// and an `ETag`, because the ABF console client reads `headers.get_all('ETag')[0]` on every
/// 2xx answer and crashes without one. It caches by that tag and sends `If-None-Match`;
/// an unchanged answer to a GET is then a 304.
enum RosaJSON {
    static let contentType = "application/json; charset=utf-8"

    /// A JSON body (written in the spaced format of the reference's examples) with its
    /// entity tag, made once and answered many times (finds are cached).
    struct Body: Sendable {
        let bytes: [UInt8]
        let tag: String

        init(_ value: JSONValue) {
            bytes = JSONWriter.bytes(value, .spaced)
            // Strong: the tag names these exact bytes.
            tag = EntityTag.quoted(SHA1.hexDigest(of: bytes))
        }
    }

    static func response(_ status: HTTPStatus = .ok, body: JSONValue, request: Request) -> Response {
        response(status, body: Body(body), request: request)
    }

    static func response(_ status: HTTPStatus = .ok, body: Body, request: Request) -> Response {
        if status.code == 200, EntityTag.noneMatchIsSatisfied(by: body.tag, in: request) {
            return EntityTag.notModified(body.tag)
        }
        return Response(status: status, contentType: contentType, bytes: body.bytes, headers: ["ETag": body.tag])
    }

    /// One file as find reports it: no size, no timestamps, no URL; `user.id` an integer.
    static func file(_ file: RosaFileRecord) -> JSONValue {
        [
            "sha1_hash": .string(file.sha1), "file_name": .string(file.fileName),
            "user": ["id": .integer(file.owner.id), "uname": .string(file.owner.uname)],
        ]
    }
}

/// Entity tags and `If-None-Match` (RFC 9110 §8.8.3, §13.1.2).
enum EntityTag {
    static func quoted(_ opaque: String) -> String { "\"\(opaque)\"" }

    /// Whether the request's `If-None-Match` names `tag` (or is `*`), so a GET or HEAD is
    /// answered 304. The comparison is weak, as §13.1.2 prescribes for this header: `W/"x"`
    /// matches `"x"`.
    static func noneMatchIsSatisfied(by tag: String, in request: Request) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        let candidates = request.headers.values(for: "If-None-Match").flatMap { $0.split(separator: ",") }
        guard !candidates.isEmpty else { return false }
        let wanted = opaquePart(Substring(tag))
        return candidates.contains { candidate in
            let trimmed = candidate.trimmingHTTPWhitespace()
            return trimmed == "*" || opaquePart(trimmed) == wanted
        }
    }

    /// Whether `If-Range` (§13.1.5) allows the range: absent, or a strong match of `tag`.
    /// A date (we send no `Last-Modified`) or a weak tag never matches: the whole file is sent.
    static func ifRangeAllowsRange(tag: String, in request: Request) -> Bool {
        guard let condition = request.headers["If-Range"]?.trimmingHTTPWhitespace() else { return true }
        return condition == tag
    }

    static func notModified(_ tag: String) -> Response {
        Response(status: .notModified, headers: ["ETag": tag])
    }

    private static func opaquePart(_ tag: Substring) -> Substring {
        tag.hasPrefix("W/") ? tag.dropFirst(2) : tag
    }
}
