import HTTP
import JSON

/// The OpenAPI 3.1 model every description Rostra serves is written in: the admin API's
/// (`/__admin/openapi.json`) and each emulated API's (`/openapi.json`). Each describer walks
/// the routes its router holds and adds one operation per route, so a description lists
/// exactly what the server answers.
public struct OpenAPIDocumentBuilder: Sendable {
    public static let version = "3.1.0"

    public var title: String
    public var description: String
    public var paths = JSONObject()
    /// `components.schemas`, `components.responses`, `components.securitySchemes`, …
    public var components = JSONObject()
    /// The document's default security requirement; an operation's own replaces it.
    public var security: [String]?
    public var tags: [(name: String, description: String)] = []

    public init(title: String, description: String) {
        self.title = title
        self.description = description
    }

    /// Adds `operation` under `path`, keeping the order of the routes.
    public mutating func add(_ method: HTTPMethod, _ path: String, _ operation: OpenAPIOperation) {
        var item = paths[path]?.objectValue ?? JSONObject()
        item[method.rawValue.lowercased()] = operation.json
        paths[path] = .object(item)
    }

    /// Adds an entry to `components.<section>`: `addComponent("schemas", "App", …)`.
    public mutating func addComponent(_ section: String, _ name: String, _ value: JSONValue) {
        var entries = components[section]?.objectValue ?? JSONObject()
        entries[name] = value
        components[section] = .object(entries)
    }

    public var document: JSONValue {
        var document: JSONObject = [
            "openapi": .string(Self.version),
            "info": ["title": .string(title), "version": .string(RostraVersion.string), "description": .string(description)],
        ]
        if !tags.isEmpty {
            document["tags"] = .array(tags.map { ["name": .string($0.name), "description": .string($0.description)] })
        }
        document["paths"] = .object(paths)
        if !components.isEmpty { document["components"] = .object(components) }
        if let security { document["security"] = OpenAPIOperation.requirement(security) }
        return .object(document)
    }

    /// `{"$ref": "#/components/<section>/<name>"}`.
    public static func reference(_ section: String, _ name: String) -> JSONValue {
        ["$ref": .string("#/components/\(section)/\(name)")]
    }

    /// The `{name}` segments of a route pattern, in order.
    public static func pathParameterNames(in pattern: String) -> [String] {
        pattern.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }

    /// A stable operation id from the method and the path's words:
    /// `DELETE /__admin/faults/{id}` with the prefix `/__admin/` → `deleteFaultsId`. A
    /// trailing slash is a word of its own (`/api/v1/` → `getApiV1Slash`), since the router
    /// tells `/api/v1` and `/api/v1/` apart.
    public static func operationID(_ method: HTTPMethod, _ pattern: String, droppingPrefix prefix: String = "/") -> String {
        let relative = pattern.hasPrefix(prefix) ? pattern.dropFirst(prefix.count) : Substring(pattern)
        var words = relative.split(whereSeparator: { "/{}._-".contains($0) }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
        if relative.hasSuffix("/") { words.append("Slash") }
        return method.rawValue.lowercased() + (words.isEmpty ? "Root" : words.joined())
    }
}

/// One operation (a method on a path).
public struct OpenAPIOperation: Sendable {
    public var summary: String
    public var description: String?
    public var operationID: String
    public var tags: [String] = []
    public var parameters: [OpenAPIParameter] = []
    public var requestBody: OpenAPIRequestBody?
    public var responses: [OpenAPIResponse] = []
    /// The security schemes any one of which the operation accepts; `[]` for an open
    /// operation, nil for the document's default.
    public var security: [String]?

    /// Set by `undescribed(_:)`; tests fail on any operation that carries it.
    public private(set) var isUndescribed = false

    /// The extension field that marks an operation served but not described.
    public static let undescribedMarker = "x-rostra-undescribed"

    public init(summary: String, description: String? = nil, operationID: String) {
        self.summary = summary
        self.description = description
        self.operationID = operationID
    }

    /// A route the describer has nothing for: listed, so the document still names every
    /// route the server answers, and marked, so the tests that check the documents fail
    /// until it is described (a crash of the server over its documentation would be worse).
    public static func undescribed(_ route: Router.Route) -> OpenAPIOperation {
        undescribed(route.method, route.pattern, name: route.name)
    }

    public static func undescribed(_ method: HTTPMethod, _ pattern: String, name: String?) -> OpenAPIOperation {
        var operation = OpenAPIOperation(
            summary: name ?? "\(method.rawValue) \(pattern)", description: "Served, but not described yet.",
            operationID: OpenAPIDocumentBuilder.operationID(method, pattern))
        operation.parameters = OpenAPIDocumentBuilder.pathParameterNames(in: pattern).map {
            OpenAPIParameter($0, in: .path, schema: JSONSchema.string)
        }
        operation.responses = [OpenAPIResponse(status: "default", json: OpenAPIResponse.object(description: "Not described yet"))]
        operation.isUndescribed = true
        return operation
    }

    public var json: JSONValue {
        var object: JSONObject = ["summary": .string(summary)]
        if let description { object["description"] = .string(description) }
        object["operationId"] = .string(operationID)
        if !tags.isEmpty { object["tags"] = .array(tags.map(JSONValue.string)) }
        if !parameters.isEmpty { object["parameters"] = .array(parameters.map(\.json)) }
        if let requestBody { object["requestBody"] = requestBody.json }
        var responses = JSONObject()
        for response in self.responses { responses[response.status] = response.json }
        object["responses"] = .object(responses)
        if let security { object["security"] = Self.requirement(security) }
        if isUndescribed { object[Self.undescribedMarker] = true }
        return .object(object)
    }

    /// A security requirement that any one of `schemes` satisfies (`[]`: none needed).
    static func requirement(_ schemes: [String]) -> JSONValue {
        .array(schemes.map { .object(JSONObject([(key: $0, value: .array([]))])) })
    }
}

public struct OpenAPIParameter: Sendable {
    public enum Location: String, Sendable {
        case path, query, header
    }

    public var name: String
    public var location: Location
    public var required: Bool
    public var description: String?
    public var schema: JSONValue
    /// The name in `components.parameters` this stands for, written as a `$ref`.
    public private(set) var sharedName: String?

    /// A `$ref` to `components.parameters.<name>`, which describes `parameter`.
    public static func shared(_ name: String, describing parameter: OpenAPIParameter) -> OpenAPIParameter {
        var shared = parameter
        shared.sharedName = name
        return shared
    }

    public init(_ name: String, in location: Location, required: Bool = false, description: String? = nil, schema: JSONValue) {
        self.name = name
        self.location = location
        // Path parameters are always required (OpenAPI 3.1 §4.8.12.1).
        self.required = required || location == .path
        self.description = description
        self.schema = schema
    }

    public var json: JSONValue {
        if let sharedName { return OpenAPIDocumentBuilder.reference("parameters", sharedName) }
        return definition
    }

    /// The parameter object itself, for `components.parameters` or inline.
    public var definition: JSONValue {
        var object: JSONObject = ["name": .string(name), "in": .string(location.rawValue), "required": .bool(required)]
        if let description { object["description"] = .string(description) }
        object["schema"] = schema
        return .object(object)
    }
}

/// A body by media type: `application/json` → a JSON Schema (and an example).
public struct OpenAPIContent: Sendable {
    public var mediaType: String
    /// nil for bytes no schema describes (a downloaded file).
    public var schema: JSONValue?
    public var example: JSONValue?

    public init(_ mediaType: String, schema: JSONValue?, example: JSONValue? = nil) {
        self.mediaType = mediaType
        self.schema = schema
        self.example = example
    }

    static func json(_ contents: [OpenAPIContent]) -> JSONValue {
        var object = JSONObject()
        for content in contents {
            var media = JSONObject()
            if let schema = content.schema { media["schema"] = schema }
            if let example = content.example { media["example"] = example }
            object[content.mediaType] = .object(media)
        }
        return .object(object)
    }
}

public struct OpenAPIRequestBody: Sendable {
    public var required: Bool
    public var description: String?
    public var content: [OpenAPIContent]

    public init(required: Bool = true, description: String? = nil, _ content: [OpenAPIContent]) {
        self.required = required
        self.description = description
        self.content = content
    }

    public var json: JSONValue {
        var object: JSONObject = [:]
        if let description { object["description"] = .string(description) }
        object["required"] = .bool(required)
        object["content"] = OpenAPIContent.json(content)
        return .object(object)
    }
}

/// One documented answer of an operation, written out or a `$ref` to a shared one.
public struct OpenAPIResponse: Sendable {
    public struct Header: Sendable {
        public var name: String
        public var description: String
        public var schema: JSONValue
        public var required: Bool

        public init(_ name: String, _ description: String, schema: JSONValue = ["type": "string"], required: Bool = false) {
            self.name = name
            self.description = description
            self.schema = schema
            self.required = required
        }
    }

    /// `"200"`, `"4XX"` or `"default"`.
    public let status: String
    public let json: JSONValue

    /// An operation a client can call next with values from this answer (OpenAPI links):
    /// `parameters` maps the operation's parameter names to runtime expressions such as
    /// `$response.body#/id`.
    public struct Link: Sendable {
        public var name: String
        public var operationID: String
        public var parameters: [(String, String)]

        public init(_ name: String, operationID: String, parameters: [(String, String)]) {
            self.name = name
            self.operationID = operationID
            self.parameters = parameters
        }
    }

    public init(_ status: Int, _ description: String, headers: [Header] = [], content: [OpenAPIContent] = [], links: [Link] = []) {
        self.status = String(status)
        self.json = Self.object(description: description, headers: headers, content: content, links: links)
    }

    /// The response `components.responses.<name>` describes.
    public static func shared(_ status: Int, _ name: String) -> OpenAPIResponse {
        OpenAPIResponse(status: String(status), json: OpenAPIDocumentBuilder.reference("responses", name))
    }

    init(status: String, json: JSONValue) {
        self.status = status
        self.json = json
    }

    /// A response object, for `components.responses` or inline.
    public static func object(description: String, headers: [Header] = [], content: [OpenAPIContent] = [], links: [Link] = []) -> JSONValue {
        var object: JSONObject = ["description": .string(description)]
        if !headers.isEmpty {
            var described = JSONObject()
            for header in headers {
                var entry: JSONObject = ["description": .string(header.description)]
                if header.required { entry["required"] = true }
                entry["schema"] = header.schema
                described[header.name] = .object(entry)
            }
            object["headers"] = .object(described)
        }
        if !content.isEmpty { object["content"] = OpenAPIContent.json(content) }
        if !links.isEmpty {
            var described = JSONObject()
            for link in links {
                described[link.name] = [
                    "operationId": .string(link.operationID),
                    "parameters": .object(JSONObject(link.parameters.map { (key: $0.0, value: .string($0.1)) })),
                ]
            }
            object["links"] = .object(described)
        }
        return .object(object)
    }
}

/// JSON Schema (2020-12, OpenAPI 3.1's dialect) for the shapes the APIs answer.
public enum JSONSchema {
    public static let string: JSONValue = ["type": "string"]
    public static let integer: JSONValue = ["type": "integer"]
    public static let number: JSONValue = ["type": "number"]
    public static let boolean: JSONValue = ["type": "boolean"]
    /// RFC 3339 date and time, as the APIs write ISO 8601.
    public static let dateTime: JSONValue = ["type": "string", "format": "date-time"]

    /// An object with exactly these properties, all of them always present: answers are
    /// described closed (`additionalProperties: false`), so a field the server adds without
    /// describing it fails the schema checks.
    public static func closedObject(_ properties: [(String, JSONValue)], description: String? = nil) -> JSONValue {
        var object: JSONObject = ["type": "object"]
        if let description { object["description"] = .string(description) }
        object["required"] = .array(properties.map { .string($0.0) })
        object["properties"] = .object(JSONObject(properties.map { (key: $0.0, value: $0.1) }))
        object["additionalProperties"] = false
        return .object(object)
    }

    public static func array(of items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    /// The schema, or `null`.
    public static func nullable(_ schema: JSONValue) -> JSONValue {
        guard var object = schema.objectValue, let type = object["type"]?.stringValue else {
            return ["anyOf": [schema, ["type": "null"]]]
        }
        object["type"] = [.string(type), "null"]
        if let choices = object["enum"]?.arrayValue { object["enum"] = .array(choices + [.null]) }
        return .object(object)
    }

    public static func choice(_ values: [String]) -> JSONValue {
        ["type": "string", "enum": .array(values.map(JSONValue.string))]
    }

    /// A string that is exactly `value`.
    public static func constant(_ value: String) -> JSONValue { ["type": "string", "const": .string(value)] }

    public static func described(_ schema: JSONValue, _ description: String) -> JSONValue {
        guard var object = schema.objectValue else { return schema }
        object["description"] = .string(description)
        return .object(object)
    }
}
