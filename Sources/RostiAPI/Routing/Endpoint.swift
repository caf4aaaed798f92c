import HTTP

/// Paths outside the resource table.
enum RostiPaths {
    static let schema = "/api/"
    static let schemaScript = "/api/schema.js"
    static let javaScriptClient = "/static/rest_framework/js/coreapi-0.1.1.js"
    static let companiesList = "/api/v1/companies/"
    /// Every resource of the table is under it, behind the access check of its route group.
    static let version1 = "/api/v1/"
}

/// One operation of the API: the route the server answers and the link the CoreAPI schema
/// declares, from the same value, so the two cannot drift apart.
struct Endpoint: Sendable {
    let method: HTTPMethod
    /// `/api/v1/{company_id}/apps/{id}/`; `{…}` segments become path fields.
    let path: String
    /// DRF's action name: list, create, read, update, partial_update or delete.
    let action: String
    let description: String
    let formFields: [SchemaField]
    let queryFields: [SchemaField]
    let handle: @Sendable (RostiCall) throws -> Response

    init(
        _ method: HTTPMethod, _ path: String, _ action: String, _ description: String,
        form: [SchemaField] = [], query: [SchemaField] = [], handle: @escaping @Sendable (RostiCall) throws -> Response
    ) {
        self.method = method
        self.path = path
        self.action = action
        self.description = description
        self.formFields = form
        self.queryFields = query
        self.handle = handle
    }

    /// The path's last literal segment (`apps`, `apps-action`, `companies`), as DRF names
    /// the schema section of a route.
    var resource: String {
        path.split(separator: "/").last { !$0.hasPrefix("{") }.map(String.init) ?? ""
    }

    /// Where the link sits in the schema document: `v1 > apps > list`.
    var keys: [String] { ["v1", resource, action] }

    /// The route's name in the router, the keys joined.
    var name: String { keys.joined(separator: " > ") }

    var pathFields: [SchemaField] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { segment in
            let name = String(segment.dropFirst().dropLast())
            if name == "company_id" {
                return SchemaField(name, .path, required: true, .integer, "The company to work in (an id from v1 > companies > list).")
            }
            return SchemaField(name, .path, required: true, .integer, "A unique integer value identifying this \(objectNoun).")
        }
    }

    /// Path fields, then the body's, then the query's, as DRF's schema generator lists them.
    var fields: [SchemaField] { pathFields + formFields + queryFields }

    private var objectNoun: String {
        switch resource.split(separator: "-").first ?? "" {
        case "apps": return "app"
        case "storages": return "storage"
        case "snapshots": return "snapshot"
        case "jobs": return "job"
        default: return "object"
        }
    }
}

/// A parameter of a link in the CoreAPI schema.
struct SchemaField: Sendable, Equatable {
    enum Location: String, Sendable {
        case path, query, form
    }

    enum ValueType: Sendable, Equatable {
        case string, integer, boolean, array
        case choice([String])

        /// The CoreJSON `_type`.
        var typeName: String {
            switch self {
            case .string: return "string"
            case .integer: return "integer"
            case .boolean: return "boolean"
            case .array: return "array"
            case .choice: return "enum"
            }
        }
    }

    let name: String
    let location: Location
    let required: Bool
    let type: ValueType
    let description: String

    init(_ name: String, _ location: Location, required: Bool = false, _ type: ValueType, _ description: String) {
        self.name = name
        self.location = location
        self.required = required
        self.type = type
        self.description = description
    }

    /// DRF's label: the name with spaces, first letter capital (`ssh_keys` → "Ssh keys"),
    /// and Django's "ID" for ids.
    var title: String {
        if name == "id" { return "ID" }
        let spaced = String(name.map { $0 == "_" ? " " : $0 })
        return spaced.prefix(1).uppercased() + spaced.dropFirst().lowercased()
    }

    /// The same field, optional: `PATCH` requires nothing.
    var optional: SchemaField { SchemaField(name, location, required: false, type, description) }
}
