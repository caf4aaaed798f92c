import HTTP
import JSON
import Primitives
import Synchronization

/// How one admin call is described in `GET /__admin/openapi.json`.
struct AdminOperation: Sendable {
    struct QueryParameter: Sendable {
        let name: String
        let description: String
        let schema: JSONValue
    }

    var summary: String
    var description: String?
    var query: [QueryParameter] = []
    /// The JSON Schema of the request body; `nil` for calls without one.
    var body: JSONValue?
    var bodyRequired = true
    var example: JSONValue?
    var responses: [(status: Int, description: String)] = [(200, "OK")]
    /// Served without the admin token (health).
    var isOpen = false
    /// Of the successful answers.
    var contentType = "application/json"
}

/// The documentation of the admin calls, by `"METHOD /path/{param}"`, collected while the
/// routes are registered: a route and its description are written side by side, and
/// openapi.json is generated from the router's own list of routes.
struct AdminDocumentation: Sendable {
    var operations: [String: AdminOperation] = [:]

    static func key(_ method: HTTPMethod, _ path: String) -> String { "\(method.rawValue) \(path)" }

    /// Registers `handler` at `/__admin/<relativePath>` and records its description.
    mutating func add(
        _ method: HTTPMethod, _ relativePath: String, on router: inout Router, _ operation: AdminOperation,
        _ handler: @escaping @Sendable (Request) throws -> Response
    ) {
        let path = AdminRoutes.prefix + relativePath
        router.add(method, path, name: operation.summary, handler)
        operations[Self.key(method, path)] = operation
    }
}

extension AdminRoutes {
    static let openAPIPath = prefix + "openapi.json"

    /// `GET /__admin/openapi.json`, registered last: the document is generated from every
    /// route the router holds by then (its own included), so it cannot list a call the
    /// server does not have or miss one it has.
    static func registerOpenAPI(on router: inout Router, documentation: inout AdminDocumentation, access: AdminAccess) {
        let document = AdaptiveMutex<[UInt8]>([])
        documentation.add(.get, "openapi.json", on: &router, AdminOperation(
            summary: "This description (OpenAPI 3.1)", responses: [(200, "An OpenAPI 3.1 document")])
        ) { _ in
            Response(contentType: "application/json", bytes: document.withLock { $0 })
        }
        let generated = OpenAPIDocument.generate(routes: router.routes, documentation: documentation, access: access)
        document.withLock { $0 = JSONWriter.bytes(generated, .compact) }
    }
}

/// Builds the OpenAPI 3.1 description of the admin API, in the model the emulated APIs'
/// descriptions share (`OpenAPIDocumentBuilder`).
enum OpenAPIDocument {
    static func generate(routes: [Router.Route], documentation: AdminDocumentation, access: AdminAccess) -> JSONValue {
        var builder = OpenAPIDocumentBuilder(
            title: "Rostra admin API",
            description: "The control surface of the Rostra emulator, the same on both ports. Every call acts on the tenant X-Rostra-Tenant names (else the default tenant). See docs/admin-api.md.")
        for route in routes {
            let operation = documentation.operations[AdminDocumentation.key(route.method, route.pattern)]
                ?? AdminOperation(summary: route.name ?? "\(route.method.rawValue) \(route.pattern)")
            builder.add(route.method, route.pattern, describe(operation, route: route, access: access))
        }
        if case .token = access {
            builder.addComponent("securitySchemes", "adminToken", ["type": "http", "scheme": "bearer"])
            builder.security = ["adminToken"]
        }
        return builder.document
    }

    private static func describe(_ operation: AdminOperation, route: Router.Route, access: AdminAccess) -> OpenAPIOperation {
        var described = OpenAPIOperation(
            summary: operation.summary, description: operation.description, operationID: operationID(route))
        described.parameters = [OpenAPIParameter(
            TenantName.header, in: .header,
            description: "The tenant the call acts on; made from the seed on first use. Default: the default tenant.",
            schema: ["type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"])]
        for name in OpenAPIDocumentBuilder.pathParameterNames(in: route.pattern) {
            described.parameters.append(OpenAPIParameter(name, in: .path, schema: JSONSchema.string))
        }
        for parameter in operation.query {
            described.parameters.append(OpenAPIParameter(
                parameter.name, in: .query, description: parameter.description, schema: parameter.schema))
        }
        if let body = operation.body {
            described.requestBody = OpenAPIRequestBody(
                required: operation.bodyRequired, [OpenAPIContent("application/json", schema: body, example: operation.example)])
        }
        let successSchema: JSONValue = operation.contentType == "application/json" ? [:] : JSONSchema.string
        described.responses = operation.responses.map { status, description in
            OpenAPIResponse(status, description, content: [OpenAPIContent(operation.contentType, schema: successSchema)])
        }
        if operation.body != nil || !operation.query.isEmpty, !operation.responses.contains(where: { $0.status == 400 }) {
            described.responses.append(errorResponse(400, "A field, parameter or body that is not valid; `field` names it. Nothing was changed."))
        }
        if case .token = access, !operation.isOpen {
            described.responses.append(errorResponse(401, "No or a wrong `Authorization: Bearer` admin token"))
        }
        if operation.isOpen { described.security = [] }
        return described
    }

    private static func errorResponse(_ status: Int, _ description: String) -> OpenAPIResponse {
        OpenAPIResponse(status, description, content: [OpenAPIContent("application/json", schema: errorSchema)])
    }

    static let errorSchema: JSONValue = [
        "type": "object", "required": ["error"],
        "properties": ["error": ["type": "string"], "field": ["type": "string"]],
    ]

    /// `DELETE /__admin/faults/{id}` → `deleteFaultsId`; the dashboard (`GET /__admin/`) →
    /// `getDashboard`.
    private static func operationID(_ route: Router.Route) -> String {
        let id = OpenAPIDocumentBuilder.operationID(route.method, route.pattern, droppingPrefix: AdminRoutes.prefix)
        return id == route.method.rawValue.lowercased() + "Root" ? id.dropLast(4) + "Dashboard" : id
    }
}
