import HTTP
import Synchronization

/// How one admin call is described in `GET /__admin/openapi.json`.
struct AdminOperation: Sendable {
    struct QueryParameter: Sendable {
        let name: String
        let description: String
        let schema: AdminJSON
    }

    var summary: String
    var description: String?
    var query: [QueryParameter] = []
    /// The JSON Schema of the request body; `nil` for calls without one.
    var body: AdminJSON?
    var bodyRequired = true
    var example: AdminJSON?
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
        let document = Mutex<[UInt8]>([])
        documentation.add(.get, "openapi.json", on: &router, AdminOperation(
            summary: "This description (OpenAPI 3.1)", responses: [(200, "An OpenAPI 3.1 document")])
        ) { _ in
            Response(contentType: "application/json", bytes: document.withLock { $0 })
        }
        let generated = OpenAPIDocument.generate(routes: router.routes, documentation: documentation, access: access)
        document.withLock { $0 = generated.serialized }
    }
}

/// Builds the OpenAPI 3.1 description of the admin API.
enum OpenAPIDocument {
    static func generate(routes: [Router.Route], documentation: AdminDocumentation, access: AdminAccess) -> AdminJSON {
        var paths = AdminJSONObject()
        for route in routes {
            let operation = documentation.operations[AdminDocumentation.key(route.method, route.pattern)]
                ?? AdminOperation(summary: route.name ?? "\(route.method.rawValue) \(route.pattern)")
            var item = paths[route.pattern]?.objectValue ?? AdminJSONObject()
            item[route.method.rawValue.lowercased()] = describe(operation, route: route, access: access)
            paths[route.pattern] = .object(item)
        }
        var document: AdminJSONObject = [
            "openapi": "3.1.0",
            "info": [
                "title": "Rostra admin API",
                "version": .string(RostraVersion.string),
                "description": "The control surface of the Rostra emulator, the same on both ports. Every call acts on the tenant X-Rostra-Tenant names (else the default tenant). See docs/admin-api.md.",
            ],
            "paths": .object(paths),
        ]
        if case .token = access {
            document["components"] = ["securitySchemes": ["adminToken": ["type": "http", "scheme": "bearer"]]]
            document["security"] = [["adminToken": []]]
        }
        return .object(document)
    }

    private static func describe(_ operation: AdminOperation, route: Router.Route, access: AdminAccess) -> AdminJSON {
        var object: AdminJSONObject = ["summary": .string(operation.summary)]
        if let description = operation.description { object["description"] = .string(description) }
        object["operationId"] = .string(operationID(route))
        var parameters: [AdminJSON] = [[
            "name": .string(TenantName.header), "in": "header", "required": false,
            "description": "The tenant the call acts on; made from the seed on first use. Default: the default tenant.",
            "schema": ["type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"],
        ]]
        for segment in route.pattern.split(separator: "/") where segment.hasPrefix("{") && segment.hasSuffix("}") {
            parameters.append(["name": .string(String(segment.dropFirst().dropLast())), "in": "path", "required": true, "schema": ["type": "string"]])
        }
        for parameter in operation.query {
            parameters.append(["name": .string(parameter.name), "in": "query", "required": false, "description": .string(parameter.description), "schema": parameter.schema])
        }
        object["parameters"] = .array(parameters)
        if let body = operation.body {
            var media: AdminJSONObject = ["schema": body]
            if let example = operation.example { media["example"] = example }
            object["requestBody"] = ["required": .bool(operation.bodyRequired), "content": ["application/json": .object(media)]]
        }
        var responses = AdminJSONObject()
        for (status, description) in operation.responses {
            let content: AdminJSONObject = [operation.contentType: ["schema": operation.contentType == "application/json" ? [:] : ["type": "string"]]]
            responses[String(status)] = ["description": .string(description), "content": .object(content)]
        }
        if operation.body != nil || !operation.query.isEmpty, responses["400"] == nil {
            responses["400"] = errorResponse("A field, parameter or body that is not valid; `field` names it. Nothing was changed.")
        }
        if case .token = access, !operation.isOpen {
            responses["401"] = errorResponse("No or a wrong `Authorization: Bearer` admin token")
        }
        if operation.isOpen { object["security"] = [] }
        object["responses"] = .object(responses)
        return .object(object)
    }

    private static func errorResponse(_ description: String) -> AdminJSON {
        ["description": .string(description), "content": ["application/json": ["schema": errorSchema]]]
    }

    static let errorSchema: AdminJSON = [
        "type": "object", "required": ["error"],
        "properties": ["error": ["type": "string"], "field": ["type": "string"]],
    ]

    /// `DELETE /__admin/faults/{id}` → `deleteFaultsId`.
    private static func operationID(_ route: Router.Route) -> String {
        let words = route.pattern.dropFirst(AdminRoutes.prefix.count)
            .split(whereSeparator: { "/{}._-".contains($0) })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return route.method.rawValue.lowercased() + (words.isEmpty ? "Dashboard" : words.joined())
    }
}
