import Emulator
import HTTP
import JSON

/// The OpenAPI 3.1 description of the Rosa File Store API served at `GET /openapi.json`
/// (and kept as docs/openapi/rosa.json), made from the routes `RosaRoutes` registered: each
/// route is described by its name, so a description cannot name a route the server does
/// not have, and a route without one is listed as undescribed, which the tests fail on.
enum RosaOpenAPI {
    static let securityScheme = "basicAuth"

    static let description = """
        ROSA Linux's ABF file store as Rostra emulates it: find, upload, download and delete \
        files by SHA-1. Uploading, deleting and `check` need HTTP Basic credentials \
        (`login:password`, `email:password`, or an API token as the user name with an empty \
        password; seed: `demo:demo-password`); finding and downloading are open. Requests \
        under /api/v1 count against the hourly rate limit (2000 by default, keyed by login, \
        token or client address) and carry `X-RateLimit-Limit` and `X-RateLimit-Remaining`. \
        Error bodies are the documented ones, byte for byte. Rostra's control headers \
        (`X-Rostra-Tenant`, `X-Rostra-Fault`, `X-Rostra-Delay`) work here too; see \
        docs/admin-api.md. See docs/rosa.md.
        """

    static func document(routes: [Router.Route]) -> JSONValue {
        var builder = OpenAPIDocumentBuilder(title: "Rosa File Store API", description: description)
        builder.addComponent("securitySchemes", securityScheme, [
            "type": "http", "scheme": "basic",
            "description": "login:password, email:password, or token: (an API token as the user name, empty password).",
        ])
        for (name, schema) in schemas { builder.addComponent("schemas", name, schema) }
        for (name, response) in SharedResponse.all { builder.addComponent("responses", name, response) }
        for route in routes {
            guard let name = route.name, let describe = operations[name] else {
                builder.add(route.method, route.pattern, .undescribed(route))
                continue
            }
            var operation = describe(route)
            operation.operationID = OpenAPIDocumentBuilder.operationID(route.method, route.pattern)
            if isRateLimited(route.pattern) {
                operation.responses.append(.shared(403, SharedResponse.forbidden))
            }
            operation.responses.append(.shared(503, SharedResponse.maintenance))
            builder.add(route.method, route.pattern, operation)
        }
        return builder.document
    }

    /// Whether requests to the route count against the rate limit: asked of the policy the
    /// limiter itself asks.
    static func isRateLimited(_ pattern: String) -> Bool {
        RosaRateLimitPolicy().isLimited(Request(method: .get, target: pattern))
    }

    // MARK: Operations by route name

    private typealias Describer = @Sendable (Router.Route) -> OpenAPIOperation

    private static let operations: [String: Describer] = [
        "find by hash": { route in
            var operation = OpenAPIOperation(summary: "Find a file by its SHA-1", operationID: "")
            operation.description = """
                Open to everyone. `[]` when nothing matches or no hash is given, never 404. Cached by \
                `ETag`: a matching `If-None-Match` is answered 304.
                """
            operation.security = []
            operation.parameters = [
                OpenAPIParameter("hash", in: .query, description: "The SHA-1 (any letter case).", schema: JSONSchema.string),
                ifNoneMatch,
            ]
            operation.responses = [
                OpenAPIResponse(200, "The matching file, or `[]`", headers: jsonHeaders(route), content: [
                    OpenAPIContent("application/json", schema: ["type": "array", "maxItems": 1, "items": reference("File")]),
                ]),
                notModified(route),
            ]
            return operation
        },
        "upload": { route in
            var operation = OpenAPIOperation(summary: "Upload a file", operationID: "")
            operation.description = """
                The server computes the SHA-1 of the bytes itself and stores the file under the \
                basename of the part's filename (characters outside letters, digits and `_ . - + ~` \
                become `_`). The same content stored before, by anyone, is 422.
                """
            operation.security = [securityScheme]
            operation.requestBody = OpenAPIRequestBody([
                OpenAPIContent("multipart/form-data", schema: [
                    "type": "object", "required": [.string(RosaFileStoreLimits.filePartName)],
                    "properties": .object(JSONObject([(
                        key: RosaFileStoreLimits.filePartName,
                        value: ["type": "string", "format": "binary", "minLength": 1, "description": "The file."]
                    )])),
                    // Other fields are ignored; their names go into part headers, where
                    // controls and quotes cannot be written (RFC 9110 §5.5, RFC 7578 §4.2).
                    "propertyNames": ["pattern": "^[^\\u0000-\\u001F\\u007F\"]*$"],
                ]),
            ])
            operation.responses = [
                OpenAPIResponse(201, "Stored", headers: jsonHeaders(route), content: [
                    OpenAPIContent("application/json", schema: JSONSchema.closedObject([("sha1_hash", sha1)])),
                ], links: uploadedFileLinks),
                OpenAPIResponse(400, "Not a multipart body, or no `\(RosaFileStoreLimits.filePartName)` part", content: [statusMessage]),
                .shared(401, SharedResponse.unauthorized),
                OpenAPIResponse(413, "The file is larger than the maximum upload size", content: [statusMessage]),
                OpenAPIResponse(422, "The same content is stored already (`sha1_hash`), or the file is empty (`file`)", content: [
                    OpenAPIContent("application/json", schema: ["oneOf": [
                        JSONSchema.closedObject([("sha1_hash", ["type": "array", "items": JSONSchema.string, "minItems": 1])]),
                        JSONSchema.closedObject([("file", ["type": "array", "items": JSONSchema.string, "minItems": 1])]),
                    ]]),
                ]),
            ]
            return operation
        },
        "download": download,
        "download (short path)": download,
        "delete": { route in
            var operation = OpenAPIOperation(summary: "Delete a file", operationID: "")
            operation.description = """
                The owner, or a user with the admin role, deletes; anyone else is refused (403). \
                Credentials are checked before the lookup.
                """
            operation.security = [securityScheme]
            operation.parameters = [hashParameter]
            operation.responses = [
                OpenAPIResponse(204, "Deleted", headers: rateLimitHeaders(route)),
                .shared(401, SharedResponse.unauthorized),
                .shared(404, SharedResponse.notFound),
            ]
            return operation
        },
        "check credentials": { route in
            var operation = OpenAPIOperation(summary: "Check the credentials", operationID: "")
            operation.description = "`true` for good credentials, 401 otherwise."
            operation.security = [securityScheme]
            operation.parameters = [ifNoneMatch]
            operation.responses = [
                OpenAPIResponse(200, "The credentials are good", headers: jsonHeaders(route), content: [
                    OpenAPIContent("application/json", schema: ["const": true]),
                ]),
                notModified(route),
                .shared(401, SharedResponse.unauthorized),
            ]
            return operation
        },
        "API root": { route in
            var operation = OpenAPIOperation(summary: "The API root", operationID: "")
            operation.description = "Sends people to the site's root, as the documented `curl -i` shows."
            operation.security = []
            operation.responses = [
                OpenAPIResponse(302, "To the site's root", headers: rateLimitHeaders(route) + [
                    OpenAPIResponse.Header("Location", "`http://<Host>/`", required: true),
                ]),
            ]
            return operation
        },
        ServedOpenAPIDocument.routeName: { _ in
            var operation = OpenAPIOperation(summary: "This description (OpenAPI 3.1)", operationID: "")
            operation.description = "Not under /api/v1: it does not count against the rate limit."
            operation.security = []
            operation.responses = [
                OpenAPIResponse(200, "An OpenAPI 3.1 document", content: [
                    OpenAPIContent(ServedOpenAPIDocument.contentType, schema: ["type": "object"]),
                ]),
            ]
            return operation
        },
    ]

    private static let download: Describer = { route in
        var operation = OpenAPIOperation(summary: "Download a file", operationID: "")
        operation.description = """
            Open to everyone. Logs, text and checksum files (`.log`, `.txt`, `.md5sum`) are \
            `text/plain` and `inline`; anything else has its type by extension and \
            `Content-Disposition: attachment; filename="<file_name>"`. `Range: bytes=N-` \
            resumes (206); an `ETag` that matches `If-None-Match` is 304.
            """
        operation.security = []
        operation.parameters = [
            hashParameter,
            OpenAPIParameter("Range", in: .header, description: "`bytes=N-`, `bytes=N-M` or `bytes=-N`.", schema: JSONSchema.string),
            OpenAPIParameter(
                "If-Range", in: .header, description: "The file's `ETag`: the range is sent only while it matches, else the whole file.",
                schema: JSONSchema.string),
            ifNoneMatch,
        ]
        // The file's bytes, whatever they are: no schema.
        let bytes = DownloadPresentation.servedContentTypes.map { OpenAPIContent($0, schema: nil) }
        let headers = rateLimitHeaders(route) + [
            OpenAPIResponse.Header("ETag", "The SHA-1 in quotes", required: true),
            OpenAPIResponse.Header("Content-Disposition", "`inline`, or `attachment; filename=\"…\"`", required: true),
            OpenAPIResponse.Header("Accept-Ranges", "`bytes`", schema: JSONSchema.constant("bytes"), required: true),
        ]
        operation.responses = [
            OpenAPIResponse(200, "The file", headers: headers, content: bytes),
            OpenAPIResponse(206, "The requested range of the file", headers: headers + [
                OpenAPIResponse.Header("Content-Range", "`bytes first-last/size`", required: true),
            ], content: bytes),
            notModified(route),
            .shared(404, SharedResponse.notFound),
            OpenAPIResponse(416, "The range starts at or past the end of the file", headers: [
                OpenAPIResponse.Header("Content-Range", "`bytes */size`", required: true),
            ], content: [statusMessage]),
        ]
        return operation
    }

    // MARK: Parts

    /// What a client does with a file it uploaded: find, download and delete it by the
    /// SHA-1 the answer carries.
    static let uploadedFileLinks: [OpenAPIResponse.Link] = {
        let hash = "$response.body#/sha1_hash"
        let api = RosaRoutes.apiRoot
        let targets: [(name: String, method: HTTPMethod, path: String)] = [
            ("find", .get, api + "/file_stores.json"), ("download", .get, api + "/file_stores/{hash}"),
            ("downloadShortPath", .get, "/download/{hash}"), ("delete", .delete, api + "/file_stores/{hash}"),
        ]
        return targets.map { target in
            OpenAPIResponse.Link(
                target.name, operationID: OpenAPIDocumentBuilder.operationID(target.method, target.path), parameters: [("hash", hash)])
        }
    }()

    static let sha1: JSONValue = ["type": "string", "pattern": "^[0-9a-f]{40}$"]

    static let hashParameter = OpenAPIParameter(
        "hash", in: .path,
        description: "The SHA-1, optionally followed by an extension (`.log`, `.json`), which is ignored for the lookup.",
        schema: ["type": "string", "pattern": "^[0-9A-Fa-f]{40}(\\..*)?$"])

    static let ifNoneMatch = OpenAPIParameter(
        "If-None-Match", in: .header, description: "An `ETag` from an earlier answer: 304 when it still matches.", schema: JSONSchema.string)

    static func reference(_ name: String) -> JSONValue { OpenAPIDocumentBuilder.reference("schemas", name) }

    static let statusMessage = OpenAPIContent("application/json", schema: reference("StatusMessage"))

    /// `X-RateLimit-*`, on the answers of routes the limit counts.
    static func rateLimitHeaders(_ route: Router.Route) -> [OpenAPIResponse.Header] {
        guard isRateLimited(route.pattern) else { return [] }
        return [
            OpenAPIResponse.Header("X-RateLimit-Limit", "Requests allowed in the window", schema: JSONSchema.integer),
            OpenAPIResponse.Header("X-RateLimit-Remaining", "Requests left in the window", schema: ["type": "integer", "minimum": 0]),
        ]
    }

    /// Successful JSON answers carry an `ETag` (the ABF console client crashes without one).
    static func jsonHeaders(_ route: Router.Route) -> [OpenAPIResponse.Header] {
        rateLimitHeaders(route) + [OpenAPIResponse.Header("ETag", "A strong tag of the body", required: true)]
    }

    static func notModified(_ route: Router.Route) -> OpenAPIResponse {
        OpenAPIResponse(304, "Unchanged since the `ETag` given in `If-None-Match`", headers: rateLimitHeaders(route) + [
            OpenAPIResponse.Header("ETag", "The same tag", required: true),
        ])
    }

    static let schemas: [(String, JSONValue)] = [
        ("File", JSONSchema.closedObject([
            ("sha1_hash", sha1), ("file_name", JSONSchema.string),
            ("user", JSONSchema.closedObject([("id", JSONSchema.integer), ("uname", JSONSchema.string)])),
        ])),
        ("StatusMessage", JSONSchema.closedObject([("status", JSONSchema.integer), ("message", JSONSchema.string)])),
        ("Message", JSONSchema.closedObject([("message", JSONSchema.string)])),
        ("AuthenticationError", JSONSchema.closedObject([("error", JSONSchema.string)])),
    ]

    enum SharedResponse {
        static let unauthorized = "Unauthorized"
        static let forbidden = "Forbidden"
        static let notFound = "NotFound"
        static let maintenance = "Maintenance"

        static var all: [(String, JSONValue)] {
            [
                (unauthorized, OpenAPIResponse.object(
                    description: "No credentials (\"You need to sign in or sign up before continuing.\") or wrong ones (\"Invalid email or password.\")",
                    headers: [OpenAPIResponse.Header("WWW-Authenticate", "`Basic realm=\"Application\"`", required: true)],
                    content: [OpenAPIContent("application/json", schema: reference("AuthenticationError"))])),
                (forbidden, OpenAPIResponse.object(
                    description: "Over the rate limit (\"403 Forbidden | Rate Limit Exceeded\", with `Retry-After`), or not the file's owner (\"Access violation to this page!\")",
                    content: [OpenAPIContent("application/json", schema: reference("Message"))])),
                (notFound, OpenAPIResponse.object(
                    description: "No such file (\"Error 404. Resource not found!\")", content: [statusMessage])),
                (maintenance, OpenAPIResponse.object(
                    description: "The emulator's maintenance switch for this API is on (`PUT /__admin/maintenance`)",
                    content: [statusMessage])),
            ]
        }
    }
}

extension DownloadPresentation {
    /// Every `Content-Type` a download can have, for the description.
    static var servedContentTypes: [String] {
        Array(Set(contentTypes.values).union(["text/plain", "application/octet-stream"])).sorted()
    }
}
