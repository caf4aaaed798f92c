import Emulator
import JSON

/// The JSON Schemas of what the Rosti API answers, for its OpenAPI description. Objects are
/// closed (every field required, no others), so a field a handler adds or drops without
/// changing this file fails the schema checks (the Swift tests and scripts/schemathesis-test).
enum RostiObjects {
    /// What one endpoint answers with 200.
    struct Answer {
        let description: String
        let schema: JSONValue
    }

    static func answer(of endpoint: Endpoint) -> Answer? {
        func one(_ name: String, _ description: String) -> Answer { Answer(description: description, schema: reference(name)) }
        func list(_ name: String) -> Answer { Answer(description: "A JSON array, no pagination", schema: JSONSchema.array(of: reference(name))) }
        let deleted = Answer(description: "Deleted: an empty object", schema: reference("Empty"))
        switch (endpoint.resource, endpoint.action) {
        case ("companies", "list"): return list("Company")
        case ("plans", "list"): return list("Plan")
        case ("runtimes", "list"): return list("Runtime")
        case ("apps", "list"): return list("App")
        case ("apps", "create"): return one("App", "The new application, with its id and ssh_access")
        case ("apps", "read"), ("apps", "update"), ("apps", "partial_update"), ("apps-action", "update"):
            return one("App", "The application")
        case ("apps-status", "read"): return one("AppStatus", "The application's status")
        case ("storages", "list"): return list("Storage")
        case ("storages", "create"): return one("Storage", "The new storage (never its password)")
        case ("storages", "read"), ("storages", "partial_update"), ("storages-password", "update"):
            return one("Storage", "The storage (never its password)")
        case ("snapshots", "list"): return list("Snapshot")
        case ("snapshots", "create"): return one("Job", "The job that takes the snapshot")
        case ("snapshots", "read"): return one("Snapshot", "The snapshot")
        case ("snapshots-restore", "update"): return one("Job", "The job that restores the snapshot")
        case ("jobs", "list"): return list("Job")
        case ("jobs", "read"): return one("Job", "The job")
        case (_, "delete"): return deleted
        default: return nil
        }
    }

    static func reference(_ name: String) -> JSONValue { OpenAPIDocumentBuilder.reference("schemas", name) }

    private static let id = JSONSchema.integer
    private static let optionalID = JSONSchema.nullable(JSONSchema.integer)
    private static let dateTime = JSONSchema.dateTime

    /// `components.schemas`, in the order of the reference.
    static let schemas: [(String, JSONValue)] = [
        ("Company", JSONSchema.closedObject([("id", id), ("name", JSONSchema.string)])),
        ("Plan", JSONSchema.closedObject([
            ("id", id), ("name", JSONSchema.string),
            ("ram", JSONSchema.described(JSONSchema.integer, "MB")), ("disk", JSONSchema.described(JSONSchema.integer, "GB")),
            ("price", JSONSchema.described(JSONSchema.integer, "CZK a month")),
            ("cpu_quota", JSONSchema.described(JSONSchema.integer, "% of a core")),
        ])),
        ("Runtime", JSONSchema.closedObject([
            ("id", id), ("image", JSONSchema.string), ("default", JSONSchema.boolean), ("show", JSONSchema.boolean),
        ])),
        ("App", JSONSchema.closedObject([
            ("id", id), ("date", dateTime), ("name", JSONSchema.string), ("enabled", JSONSchema.boolean),
            ("image", JSONSchema.string), ("domains", JSONSchema.array(of: JSONSchema.string)),
            ("mode", JSONSchema.choice(AppStore.modes)), ("plan", id),
            ("ssh_access", JSONSchema.described(JSONSchema.array(of: JSONSchema.closedObject([
                ("hostname", JSONSchema.string), ("port", JSONSchema.integer), ("username", JSONSchema.string),
            ])), "One entry per container; never empty.")),
            ("ssh_keys", JSONSchema.array(of: JSONSchema.string)),
            ("smtp_username", JSONSchema.string), ("smtp_token", JSONSchema.string), ("app_port", JSONSchema.integer),
        ])),
        ("AppStatus", JSONSchema.closedObject([
            ("errors", JSONSchema.array(of: JSONSchema.string)), ("info", JSONSchema.array(of: JSONSchema.string)),
            ("dns_status", JSONSchema.boolean), ("http_status", JSONSchema.boolean), ("running", JSONSchema.boolean),
            ("storage", JSONSchema.closedObject([
                ("usage", JSONSchema.described(JSONSchema.number, "GB")), ("limit", JSONSchema.described(JSONSchema.integer, "GB")),
                ("over_limit", JSONSchema.integer),
            ])),
            ("memory", JSONSchema.closedObject([
                ("usage", JSONSchema.described(JSONSchema.number, "MB")), ("limit", JSONSchema.described(JSONSchema.integer, "MB")),
            ])),
            ("primary_tech", JSONSchema.nullable(reference("Tech"))),
            ("techs", JSONSchema.array(of: reference("Tech"))),
        ])),
        ("Tech", JSONSchema.closedObject([("name", JSONSchema.string), ("version", JSONSchema.string)])),
        ("Storage", JSONSchema.closedObject([
            ("id", id), ("engine", JSONSchema.choice(Storages.Engine.allCases.map(\.rawValue))),
            ("name", JSONSchema.string), ("username", JSONSchema.string), ("hostname", JSONSchema.string),
            ("port", JSONSchema.integer), ("note", JSONSchema.string), ("date", dateTime),
        ])),
        ("Snapshot", JSONSchema.closedObject([
            ("id", id), ("app", JSONSchema.described(optionalID, "null once the application is deleted")),
            ("app_name", JSONSchema.string), ("note", JSONSchema.string), ("date", dateTime),
            ("size", JSONSchema.described(JSONSchema.integer, "bytes")),
            ("status", JSONSchema.choice(["pending", "ready", "failed"])),
        ])),
        ("Job", JSONSchema.closedObject([
            ("id", id), ("kind", JSONSchema.choice(JobKind.allCases.map(\.rawValue))),
            ("status", JSONSchema.choice(JobEngine.Status.allCases.map(\.rawValue))),
            ("app", optionalID), ("snapshot", optionalID),
            ("progress", ["type": "integer", "minimum": 0, "maximum": 100]), ("message", JSONSchema.string),
            ("created", dateTime), ("started", JSONSchema.nullable(dateTime)), ("finished", JSONSchema.nullable(dateTime)),
        ])),
        ("Empty", ["type": "object", "maxProperties": 0]),
        ("Detail", JSONSchema.closedObject([("detail", JSONSchema.string)])),
        ("ValidationError", JSONSchema.closedObject([
            ("message", JSONSchema.constant(Message.validationErrorTitle)),
            ("errors", [
                "type": "object",
                "description": "Field name (or non_field_errors) → its messages; a list field's item errors by index.",
                "additionalProperties": [
                    "oneOf": [
                        JSONSchema.array(of: JSONSchema.string),
                        ["type": "object", "additionalProperties": JSONSchema.array(of: JSONSchema.string)],
                    ],
                ],
            ]),
        ])),
    ]
}
