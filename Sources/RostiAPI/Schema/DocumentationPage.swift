import Emulator
import HTTP
import JSON

/// The page a browser gets at `/api/`: every endpoint with its fields, from the same table
/// as the routes and the CoreJSON document, how to call them with each client, and a
/// "try it" form per endpoint that calls it through the CoreAPI JavaScript client the page
/// loads (`TryItScript`), with a token the user pastes. The examples name the host the
/// page was asked for.
enum DocumentationPage {
    /// `api-page.html` beside this file, embedded at build time: the page's fixed text,
    /// with slots for the schema's title and paths, and for the endpoint sections and the
    /// navigation made here from the endpoint table.
    static let template = HTMLTemplate.builtIn(PackageResources.api_page_html, name: "api-page.html")

    /// The page as served to a request sent to `host`.
    static func html(_ endpoints: [Endpoint], host: ServedHost) -> [UInt8] {
        page(endpoints).render(host.slots)
    }

    /// The page for these endpoints, made once, with the host it is served from (the
    /// examples' `scheme`, `host` and `hostName`) left to fill per request.
    static func page(_ endpoints: [Endpoint]) -> HTMLTemplate {
        var sections = ""
        for resource in orderedResources(endpoints) {
            sections += "<section id=\"\(escape(resource))\">\n<h2>\(escape(resource))</h2>\n"
            for endpoint in endpoints where endpoint.resource == resource {
                sections += endpointHTML(endpoint)
            }
            sections += "</section>\n"
        }
        let navigation = orderedResources(endpoints).map { "<a href=\"#\(escape($0))\">\(escape($0))</a>" }.joined(separator: " · ")
        return template.filling([
            "title": CoreAPISchema.title,
            "description": CoreAPISchema.description,
            "clientPath": RostiPaths.javaScriptClient,
            "schemaScriptPath": RostiPaths.schemaScript,
            "schemaPath": RostiPaths.schema,
            "navigation": navigation,
            "sections": sections,
            "tryItScript": TryItScript.javaScript,
        ])
    }

    private static func orderedResources(_ endpoints: [Endpoint]) -> [String] {
        var seen: [String] = []
        for endpoint in endpoints where !seen.contains(endpoint.resource) { seen.append(endpoint.resource) }
        return seen
    }

    private static func endpointHTML(_ endpoint: Endpoint) -> String {
        var html = """
            <h3><span class="method">\(endpoint.method.rawValue)</span> <code>\(escape(endpoint.path))</code> \
            <span class="keys">\(escape(endpoint.name))</span></h3>
            <p>\(escape(endpoint.description))</p>

            """
        if !endpoint.fields.isEmpty {
            html += "<table>\n<tr><th>field</th><th>in</th><th>required</th><th>type</th><th>description</th></tr>\n"
            for field in endpoint.fields {
                var type = field.type.typeName
                if case .choice(let choices) = field.type { type = choices.joined(separator: " | ") }
                html += "<tr><td><code>\(escape(field.name))</code></td><td>\(field.location.rawValue)</td>"
                    + "<td>\(field.required ? "yes" : "")</td><td>\(escape(type))</td><td>\(escape(field.description))</td></tr>\n"
            }
            html += "</table>\n"
        }
        return html + tryItForm(endpoint)
    }

    /// One input per field, named and typed as the link declares it, for `TryItScript`;
    /// `data-keys` are the link's keys as the schema document has them.
    static func tryItForm(_ endpoint: Endpoint) -> String {
        let keys = ["v1", CoreAPISchema.escapeKey(endpoint.resource), CoreAPISchema.escapeKey(endpoint.action)]
        let id = "try-" + keys.joined(separator: "-")
        let keysJSON = "[" + keys.map { JSONString.quote($0) }.joined(separator: ",") + "]"
        var form = """
            <details class="try"><summary>Try it</summary>
            <form class="try" id="\(escape(id))" data-keys="\(escape(keysJSON))">

            """
        for field in endpoint.fields {
            let inputID = "\(id)-\(field.name)"
            let attributes = "id=\"\(escape(inputID))\" name=\"\(escape(field.name))\" data-location=\"\(field.location.rawValue)\" data-type=\"\(escape(field.type.typeName))\""
            form += "<label for=\"\(escape(inputID))\"\(field.required ? " class=\"required\"" : "")>\(escape(field.name))</label>"
            switch field.type {
            case .choice(let choices):
                form += "<select \(attributes)><option value=\"\"></option>" + choices.map { "<option>\(escape($0))</option>" }.joined() + "</select>\n"
            case .boolean:
                form += "<select \(attributes)><option value=\"\"></option><option>true</option><option>false</option></select>\n"
            case .array:
                form += "<textarea \(attributes) rows=\"2\" cols=\"40\" placeholder=\"one per line\"></textarea>\n"
            case .integer:
                form += "<input \(attributes) type=\"number\" step=\"1\">\n"
            case .string:
                form += "<input \(attributes) size=\"40\">\n"
            }
        }
        form += """
            <button class="send" type="submit">\(escape(endpoint.method.rawValue)) \(escape(endpoint.path))</button>
            <p class="try-status" aria-live="polite"></p>
            <pre class="try-body" hidden></pre>
            </form></details>

            """
        return form
    }

    /// The emulator's one HTML escaping (also used by the admin dashboard).
    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
