import Emulator
import HTTP
import JSON

/// The OpenAPI 3.1 description of the Rosti API served at `GET /openapi.json` (and kept as
/// docs/openapi/rosti.json). It is made from the routes the service registered: an
/// endpoint's path, method, parameters and body fields come from `RostiEndpoints`, the
/// same values the router and the CoreAPI schema are made from; what each endpoint
/// answers comes from `RostiObjects`.
enum RostiOpenAPI {
    static let securityScheme = "tokenAuth"
    /// The header that picks the language of messages, in `components.parameters`.
    static let acceptLanguage = OpenAPIParameter.shared("AcceptLanguage", describing: OpenAPIParameter(
        "Accept-Language", in: .header,
        description: "cs or en, the first of them the header prefers; without either, the emulator's default language (Czech).",
        schema: JSONSchema.string))

    static let description = """
        The Rosti hosting API as Rostra emulates it: companies, applications in containers, \
        MariaDB and PostgreSQL storages, snapshots and asynchronous jobs. Every call under \
        /api/v1/ needs the header `Authorization: Token <40 characters>` (seed: \
        `Token rostidemo0000000000000000000000000000001`). Bodies are JSON; every success is \
        200, deletes answer `{}`. Errors are Django REST Framework's `{"detail": "…"}`, and \
        `{"message": "validation error", "errors": {…}}` for invalid fields, in Czech or \
        English (`Accept-Language: cs|en`; Czech without it). Fields are read as DRF reads \
        them: numbers are accepted as text and numeric strings as numbers, 0, 1 and words \
        such as "yes" as booleans; unknown fields and read-only fields sent back are ignored. \
        Ids in bodies (`plan`, `app`) and runtime images must name existing objects, else 400 \
        names the field. Rostra's control headers (`X-Rostra-Tenant`, `X-Rostra-Fault`, \
        `X-Rostra-Delay`) work here too; see docs/admin-api.md. See docs/rosti.md.
        """

    /// The description of every route in `routes`: an endpoint of the table, one of the
    /// documentation routes, or (marked, for the tests to fail on) an undescribed one.
    static func document(routes: [Router.Route], endpoints: [Endpoint]) -> JSONValue {
        var builder = OpenAPIDocumentBuilder(title: CoreAPISchema.title, description: description)
        builder.addComponent("securitySchemes", securityScheme, [
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Token <key>`: DRF's TokenAuthentication. The key is the account's 40-character token.",
        ])
        builder.security = [securityScheme]
        for (name, schema) in RostiObjects.schemas { builder.addComponent("schemas", name, schema) }
        for (name, response) in SharedResponse.all { builder.addComponent("responses", name, response) }
        builder.addComponent("parameters", acceptLanguage.sharedName ?? "", acceptLanguage.definition)
        var tags: [String] = []
        for route in routes {
            let operation: OpenAPIOperation
            if let endpoint = endpoints.first(where: { $0.method == route.method && $0.path == route.pattern }) {
                operation = describe(endpoint, links: links(from: endpoint, among: endpoints))
                if !tags.contains(endpoint.resource) { tags.append(endpoint.resource) }
            } else if let documentation = documentationRoutes[route.name ?? ""] {
                operation = documentation
            } else {
                operation = .undescribed(route)
            }
            builder.add(route.method, route.pattern, operation)
        }
        builder.tags = tags.map { ($0, "v1 > \($0) in the CoreAPI schema.") } + [("documentation", "The schema documents.")]
        return builder.document
    }

    // MARK: Endpoints

    static func describe(_ endpoint: Endpoint, links: [OpenAPIResponse.Link] = []) -> OpenAPIOperation {
        var operation = OpenAPIOperation(summary: endpoint.name, description: endpoint.description, operationID: operationID(endpoint))
        operation.tags = [endpoint.resource]
        operation.parameters = (endpoint.pathFields + endpoint.queryFields).map { field in
            OpenAPIParameter(
                field.name, in: field.location == .path ? .path : .query, required: field.required,
                description: field.description, schema: schema(of: field))
        } + [acceptLanguage]
        let bodyFields = endpoint.formFields
        if !bodyFields.isEmpty {
            var properties = JSONObject()
            for field in bodyFields { properties[field.name] = JSONSchema.described(schema(of: field), field.description) }
            var body: JSONObject = ["type": "object"]
            let required = bodyFields.filter(\.required).map { JSONValue.string($0.name) }
            if !required.isEmpty { body["required"] = .array(required) }
            body["properties"] = .object(properties)
            // A body with no required field may be left out (DRF reads no body as `{}`).
            operation.requestBody = OpenAPIRequestBody(
                required: !required.isEmpty, [OpenAPIContent("application/json", schema: .object(body))])
        }
        guard let answer = RostiObjects.answer(of: endpoint) else {
            var undescribed = OpenAPIOperation.undescribed(endpoint.method, endpoint.path, name: endpoint.name)
            undescribed.operationID = operation.operationID
            return undescribed
        }
        operation.responses = [OpenAPIResponse(
            200, answer.description, content: [OpenAPIContent("application/json", schema: answer.schema)], links: links)]
        if !bodyFields.isEmpty || !endpoint.queryFields.isEmpty { operation.responses.append(.shared(400, SharedResponse.badRequest)) }
        operation.responses.append(.shared(401, SharedResponse.notAuthenticated))
        if endpoint.path.contains("{company_id}") {
            operation.responses.append(.shared(403, SharedResponse.permissionDenied))
        }
        if !endpoint.pathFields.isEmpty { operation.responses.append(.shared(404, SharedResponse.notFound)) }
        if !bodyFields.isEmpty {
            operation.responses.append(.shared(413, SharedResponse.bodyTooLarge))
            operation.responses.append(.shared(415, SharedResponse.unsupportedMediaType))
        }
        operation.responses.append(.shared(503, SharedResponse.maintenance))
        return operation
    }

    /// Where a client goes from a list or a create with the ids in its answer: from
    /// `apps > create` to `apps > read`, `apps-action > update`, `apps-status > read`, …;
    /// from `snapshots > create` (which answers the job) to the job and to the snapshot.
    static func links(from endpoint: Endpoint, among endpoints: [Endpoint]) -> [OpenAPIResponse.Link] {
        let first = endpoint.action == "list" ? "/0" : ""
        var idsInAnswer: [(resource: String, expression: String)]
        switch (endpoint.resource, endpoint.action) {
        case ("snapshots", "create"):
            idsInAnswer = [("jobs", "$response.body#/id"), ("snapshots", "$response.body#/snapshot")]
        case ("snapshots-restore", "update"):
            idsInAnswer = [("jobs", "$response.body#/id")]
        case (_, "create"), (_, "list"):
            idsInAnswer = [(endpoint.resource, "$response.body#\(first)/id")]
        default:
            idsInAnswer = []
        }
        var links: [OpenAPIResponse.Link] = []
        for (resource, expression) in idsInAnswer {
            for target in endpoints where target.path.hasSuffix("/{id}/")
                && (target.resource == resource || target.resource.hasPrefix(resource + "-")) {
                var parameters: [(String, String)] = []
                if target.path.contains("{company_id}") { parameters.append(("company_id", "$request.path.company_id")) }
                parameters.append(("id", expression))
                links.append(OpenAPIResponse.Link(operationID(target), operationID: operationID(target), parameters: parameters))
            }
        }
        return links
    }

    /// `v1 > apps-action > update` → `appsActionUpdate`.
    static func operationID(_ endpoint: Endpoint) -> String {
        let words = (endpoint.resource + "_" + endpoint.action).split(whereSeparator: { $0 == "-" || $0 == "_" })
        return words.enumerated().map { $0 == 0 ? String($1) : $1.prefix(1).uppercased() + $1.dropFirst() }.joined()
    }

    /// The JSON Schema of a field, with the bounds the server checks (`RostiLimits`), so
    /// that a value that fits the schema is one the field accepts, as far as a schema can
    /// say: ids that name nothing are still refused (400, or 404 in a path).
    static func schema(of field: SchemaField) -> JSONValue {
        switch field.type {
        case .choice(let choices):
            return JSONSchema.choice(choices)
        case .boolean:
            return JSONSchema.boolean
        case .integer where field.location == .path:
            return JSONSchema.integer
        case .integer:
            return field.name == "app_port"
                ? ["type": "integer", "minimum": .integer(RostiLimits.portRange.lowerBound), "maximum": .integer(RostiLimits.portRange.upperBound)]
                : ["type": "integer", "minimum": 1]
        case .array:
            let itemLength = field.name == "ssh_keys" ? RostiLimits.sshKeyMaximumLength : RostiLimits.domainMaximumLength
            return [
                "type": "array", "maxItems": .integer(RostiLimits.listMaximumCount),
                "items": ["type": "string", "pattern": .string(trimmedText(minimum: 1, maximum: itemLength))],
            ]
        case .string:
            switch field.name {
            case "name":
                return ["type": "string", "pattern": .string("^\(whiteSpace)*[A-Za-z0-9_.]{1,\(RostiLimits.appNameMaximumLength)}\(whiteSpace)*$")]
            case "password":
                return ["type": "string", "pattern": .string(trimmedText(
                    minimum: RostiLimits.storagePasswordMinimumLength, maximum: RostiLimits.storagePasswordMaximumLength))]
            case "note":
                return ["type": "string", "pattern": .string(trimmedText(minimum: 0, maximum: RostiLimits.noteMaximumLength))]
            default:
                return JSONSchema.string
            }
        }
    }

    /// Text whose length, once leading and trailing white space is trimmed (as DRF's
    /// `CharField` does before it checks the length), is within the bounds.
    static func trimmedText(minimum: Int, maximum: Int) -> String {
        let core = "\(notWhiteSpace)([\\s\\S]{\(max(0, minimum - 2)),\(maximum - 2)}\(notWhiteSpace))\(minimum >= 2 ? "" : "?")"
        return "^\(whiteSpace)*\(minimum == 0 ? "(" + core + ")?" : core)\(whiteSpace)*$"
    }

    /// A character the server does not trim: not Unicode White_Space, which is what it
    /// trims (`Character.isWhitespace`). Spelled out because a regex's `\\s` differs
    /// between dialects (Python's includes U+001C–U+001F).
    static let notWhiteSpace = "[^" + whiteSpaceCharacters + "]"
    static let whiteSpace = "[" + whiteSpaceCharacters + "]"
    private static let whiteSpaceCharacters = "\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"

    // MARK: Documentation routes

    /// The routes that are not endpoints of the table, by route name.
    static let documentationRoutes: [String: OpenAPIOperation] = {
        var schema = OpenAPIOperation(
            summary: "The CoreAPI schema", operationID: "getCoreAPISchema")
        schema.description = """
            The CoreJSON document the CoreAPI clients (coreapi-cli, the Python coreapi package, \
            the JavaScript client) are driven by; the HTML documentation page to browsers \
            (`Accept: text/html`). `?format=corejson` or `?format=html` chooses without `Accept`.
            """
        schema.tags = ["documentation"]
        schema.security = []
        schema.parameters = [OpenAPIParameter(
            "format", in: .query, description: "corejson or html; another format is 404.", schema: JSONSchema.choice(["corejson", "html"]))]
        schema.responses = [
            OpenAPIResponse(200, "The schema document", content: [
                OpenAPIContent(CoreAPISchema.mediaType, schema: [
                    "type": "object", "required": ["_type", "_meta"],
                    "properties": ["_type": JSONSchema.constant("document"), "_meta": ["type": "object"]],
                ]),
                OpenAPIContent("text/html", schema: JSONSchema.string),
            ]),
            .shared(404, SharedResponse.notFound),
            OpenAPIResponse(406, "Nothing the `Accept` header allows can be sent", content: [detailContent]),
            .shared(503, SharedResponse.maintenance),
        ]

        var script = OpenAPIOperation(summary: "The CoreAPI schema as a script", operationID: "getSchemaScript")
        script.description = "Sets `window.schema` to the decoded CoreJSON document, for the documentation page."
        script.tags = ["documentation"]
        script.security = []
        script.responses = [javaScript("The script"), .shared(503, SharedResponse.maintenance)]

        var client = OpenAPIOperation(summary: "The CoreAPI JavaScript client", operationID: "getCoreAPIClient")
        client.description = "Exposes `window.coreapi` (`Client`, `auth.TokenAuthentication`, `codecs.CoreJSONCodec`)."
        client.tags = ["documentation"]
        client.security = []
        client.responses = [javaScript("The client"), .shared(503, SharedResponse.maintenance)]

        var openAPI = OpenAPIOperation(summary: "This description (OpenAPI 3.1)", operationID: "getOpenAPIDescription")
        openAPI.tags = ["documentation"]
        openAPI.security = []
        openAPI.responses = [
            OpenAPIResponse(200, "An OpenAPI 3.1 document", content: [OpenAPIContent(ServedOpenAPIDocument.contentType, schema: ["type": "object"])]),
            .shared(503, SharedResponse.maintenance),
        ]

        return [
            "schema": schema, "schema script": script, "coreapi javascript client": client,
            ServedOpenAPIDocument.routeName: openAPI,
        ]
    }()

    private static func javaScript(_ description: String) -> OpenAPIResponse {
        OpenAPIResponse(200, description, content: [OpenAPIContent("application/javascript", schema: JSONSchema.string)])
    }

    // MARK: Errors

    static let detailContent = OpenAPIContent("application/json", schema: OpenAPIDocumentBuilder.reference("schemas", "Detail"))

    /// The error answers every operation shares, in `components.responses`.
    enum SharedResponse {
        static let badRequest = "BadRequest"
        static let notAuthenticated = "NotAuthenticated"
        static let permissionDenied = "PermissionDenied"
        static let notFound = "NotFound"
        static let bodyTooLarge = "BodyTooLarge"
        static let unsupportedMediaType = "UnsupportedMediaType"
        static let maintenance = "Maintenance"

        static var all: [(String, JSONValue)] {
            [
                (badRequest, OpenAPIResponse.object(
                    description: "The body is not JSON (`detail`: \"JSON parse error - …\"), or fields are not valid (`errors`, field by field); nothing was changed.",
                    content: [OpenAPIContent("application/json", schema: [
                        "oneOf": [OpenAPIDocumentBuilder.reference("schemas", "Detail"), OpenAPIDocumentBuilder.reference("schemas", "ValidationError")],
                    ])])),
                (notAuthenticated, OpenAPIResponse.object(
                    description: "No `Authorization: Token …` header (\"Authentication credentials were not provided.\"), or a token that names no account (\"Invalid token.\").",
                    headers: [OpenAPIResponse.Header("WWW-Authenticate", "`Token`", schema: JSONSchema.constant("Token"), required: true)],
                    content: [detailContent])),
                (permissionDenied, OpenAPIResponse.object(
                    description: "The company is not the account's, or does not exist (\"You do not have permission to perform this action.\").",
                    content: [detailContent])),
                (notFound, OpenAPIResponse.object(
                    description: "No such object in the company, or an id that is not a number (\"Not found.\").", content: [detailContent])),
                (bodyTooLarge, OpenAPIResponse.object(
                    description: "The body is larger than \(RostiLimits.maximumRequestBodyBytes) bytes.", content: [detailContent])),
                (unsupportedMediaType, OpenAPIResponse.object(
                    description: "A body of another media type than `application/json`.", content: [detailContent])),
                (maintenance, OpenAPIResponse.object(
                    description: "The emulator's maintenance switch for this API is on (`PUT /__admin/maintenance`).", content: [detailContent])),
            ]
        }
    }
}
