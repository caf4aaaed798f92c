import Foundation
import HTTP
import JSON

/// The CoreJSON document at `/api/` (the format of the Python `coreapi` package's
/// `CoreJSONCodec`): `{"_type": "document", "_meta": {…}, "v1": {"<resource>": {"<action>":
/// <link>}}}`, made from the endpoint table, as DRF's schema generator lays it out.
enum CoreAPISchema {
    static let title = "Rosti API"
    static let description = """
        Hosting of web applications in containers, with MariaDB and PostgreSQL databases, \
        snapshots and asynchronous jobs. Every call but this schema needs the header \
        Authorization: Token <token>; every company-scoped path starts with /api/v1/{company_id}/ \
        (v1 > companies > list gives the ids). Answers are JSON; errors are DRF's, in Czech or \
        English (Accept-Language).
        """

    static let mediaType = "application/coreapi+json"

    static func document(_ endpoints: [Endpoint]) -> JSONValue {
        var sections = JSONObject()
        for resource in Set(endpoints.map(\.resource)).sorted() {
            var links = JSONObject()
            for endpoint in endpoints where endpoint.resource == resource {
                links[escapeKey(endpoint.action)] = link(endpoint)
            }
            sections[escapeKey(resource)] = .object(links)
        }
        return [
            "_type": "document",
            "_meta": ["url": .string(RostiPaths.schema), "title": .string(title), "description": .string(description)],
            "v1": .object(sections),
        ]
    }

    /// A link as `coreapi` encodes one: `encoding` only when there are body fields,
    /// `required` only when true.
    static func link(_ endpoint: Endpoint) -> JSONValue {
        var link = JSONObject([
            ("_type", "link"), ("url", .string(endpoint.path)), ("action", .string(endpoint.method.rawValue.lowercased())),
        ])
        if endpoint.fields.contains(where: { $0.location == .form }) { link["encoding"] = "application/json" }
        link["description"] = .string(endpoint.description)
        if !endpoint.fields.isEmpty { link["fields"] = .array(endpoint.fields.map(field)) }
        return .object(link)
    }

    static func field(_ field: SchemaField) -> JSONValue {
        var object = JSONObject([("name", .string(field.name))])
        if field.required { object["required"] = true }
        object["location"] = .string(field.location.rawValue)
        var schema = JSONObject([
            ("_type", .string(field.type.typeName)), ("title", .string(field.title)), ("description", .string(field.description)),
        ])
        if case .choice(let choices) = field.type { schema["enum"] = .array(choices.map(JSONValue.string)) }
        object["schema"] = .object(schema)
        return .object(object)
    }

    /// `_type` and `_meta` are the format's own keys; data keys that look like them get one
    /// more underscore (`__type`), as `coreapi` escapes them.
    static func escapeKey(_ key: String) -> String {
        let stripped = key.drop { $0 == "_" }
        return key.hasPrefix("_") && (stripped == "type" || stripped == "meta") ? "_" + key : key
    }

    // MARK: Content negotiation

    enum Representation: Equatable {
        case coreJSON
        case html
    }

    /// DRF's negotiation for the schema view: `?format=corejson` forces CoreJSON (another
    /// format is 404); otherwise the `Accept` entries by specificity (DRF ignores `q`),
    /// the server's order deciding within one level: CoreJSON first, so `*/*` or no
    /// `Accept` gets CoreJSON and a browser's `text/html,…` the documentation page.
    static func representation(for request: Request) throws -> Representation {
        if let format = request.queryValue("format") {
            switch format {
            case "corejson": return .coreJSON
            case "html": return .html
            default: throw RostiError.notFound
            }
        }
        let offered: [(String, Representation)] = [
            (mediaType, .coreJSON), ("application/vnd.coreapi+json", .coreJSON), ("application/json", .coreJSON),
            ("text/html", .html),
        ]
        let accepted = (request.headers["Accept"] ?? "*/*").split(separator: ",").compactMap { entry -> (String, Int)? in
            let type = entry.split(separator: ";")[0].trimmingHTTPWhitespace().lowercased()
            guard !type.isEmpty else { return nil }
            let specificity = type == "*/*" ? 0 : type.hasSuffix("/*") ? 1 : 2
            return (type, specificity)
        }
        for specificity in [2, 1, 0] {
            for (offer, representation) in offered {
                for (type, level) in accepted where level == specificity {
                    if type == offer || type == "*/*" || (type.hasSuffix("/*") && offer.hasPrefix(type.dropLast())) {
                        return representation
                    }
                }
            }
        }
        throw RostiError.notAcceptable
    }

    /// `/api/schema.js`, as DRF's `SchemaJSRenderer` writes it: the CoreJSON document in
    /// base64, decoded by the page's CoreAPI client into `window.schema`.
    static func script(_ document: [UInt8]) -> [UInt8] {
        Array("""
            var codec = new window.coreapi.codecs.CoreJSONCodec()
            var coreJSON = window.atob('\(Data(document).base64EncodedString())')
            window.schema = codec.decode(coreJSON)

            """.utf8)
    }
}
