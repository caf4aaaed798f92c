import Emulator
import HTTP

/// The page a browser gets at `/api/`: every endpoint with its fields, from the same table
/// as the routes and the CoreJSON document, how to call them with each client, and a
/// "try it" form per endpoint that calls it through the CoreAPI JavaScript client the page
/// loads (`TryItScript`), with a token the user pastes.
enum DocumentationPage {
    static func html(_ endpoints: [Endpoint]) -> [UInt8] {
        var sections = ""
        for resource in orderedResources(endpoints) {
            sections += "<section id=\"\(escape(resource))\">\n<h2>\(escape(resource))</h2>\n"
            for endpoint in endpoints where endpoint.resource == resource {
                sections += endpointHTML(endpoint)
            }
            sections += "</section>\n"
        }
        let navigation = orderedResources(endpoints).map { "<a href=\"#\(escape($0))\">\(escape($0))</a>" }.joined(separator: " · ")
        let page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(escape(CoreAPISchema.title))</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
            code, pre { font-family: ui-monospace, monospace; background: #f4f4f4; }
            pre { padding: .6rem; overflow-x: auto; }
            table { border-collapse: collapse; margin: .4rem 0 1rem; }
            th, td { border: 1px solid #ccc; padding: .2rem .5rem; text-align: left; vertical-align: top; }
            .method { font-weight: bold; display: inline-block; min-width: 4rem; }
            .keys { color: #666; }
            .try-settings { position: sticky; top: 0; background: #eef4ff; border: 1px solid #c7d7f5; padding: .5rem .8rem; border-radius: 4px; z-index: 1; }
            details.try { margin: .2rem 0 1.2rem; }
            details.try summary { cursor: pointer; color: #1f5fbf; }
            form.try { display: grid; grid-template-columns: max-content 1fr; gap: .3rem .8rem; align-items: start; margin: .5rem 0; padding: .6rem; border: 1px solid #ddd; border-radius: 4px; }
            form.try label { font-family: ui-monospace, monospace; }
            form.try .required::after { content: " *"; color: #b42318; }
            form.try input, form.try select, form.try textarea { font: inherit; max-width: 30rem; }
            form.try .send { grid-column: 1 / 3; justify-self: start; }
            .try-status { grid-column: 1 / 3; margin: 0; font-family: ui-monospace, monospace; }
            .try-status.succeeded { color: #067647; }
            .try-status.failed { color: #b42318; }
            .try-body { grid-column: 1 / 3; margin: 0; max-height: 24rem; overflow: auto; }
            </style>
            </head>
            <body>
            <h1>\(escape(CoreAPISchema.title))</h1>
            <p>\(escape(CoreAPISchema.description))</p>
            <p>The emulator's seed account: <code>Authorization: Token rostidemo0000000000000000000000000000001</code>
            (companies 1 and 2).</p>
            <h2>Clients</h2>
            <pre>curl -H "Authorization: Token rostidemo0000000000000000000000000000001" http://HOST/api/v1/companies/</pre>
            <pre>pip install coreapi-cli
            coreapi get http://HOST/api/
            coreapi credentials add HOST_NAME "Token rostidemo0000000000000000000000000000001"
            coreapi action v1 companies list
            coreapi action v1 apps create -p company_id=1 -p name=demo</pre>
            <pre>import coreapi
            client = coreapi.Client(auth=coreapi.auth.TokenAuthentication(scheme="Token", token="rostidemo0000000000000000000000000000001"))
            schema = client.get("http://HOST/api/")
            client.action(schema, ["v1", "apps", "list"], params={"company_id": 1})</pre>
            <pre>&lt;script src="\(RostiPaths.javaScriptClient)"&gt;&lt;/script&gt;
            &lt;script src="\(RostiPaths.schemaScript)"&gt;&lt;/script&gt;
            &lt;script&gt;
            var auth = new coreapi.auth.TokenAuthentication({scheme: "Token", token: "rostidemo0000000000000000000000000000001"})
            var client = new coreapi.Client({auth: auth})
            client.action(schema, ["v1", "companies", "list"]).then(function (companies) { console.log(companies) })
            &lt;/script&gt;</pre>
            <p>The schema as CoreJSON: <a href="\(RostiPaths.schema)?format=corejson">\(RostiPaths.schema)?format=corejson</a>.</p>
            <h2>Try it</h2>
            <p>Each endpoint below has a form that performs its call from this page through the CoreAPI
            JavaScript client, as a browser application would. Paste a token first (it stays in this tab).</p>
            <div class="try-settings">
            <label>Token <input id="try-token" size="44" autocomplete="off" placeholder="40 letters and digits"></label>
            <button type="button" id="try-seed-token">Use the seed token</button>
            <label>Language <select id="try-language"><option value="">the server's</option><option>cs</option><option>en</option></select></label>
            </div>
            <nav>\(navigation)</nav>
            \(sections)
            <script src="\(RostiPaths.javaScriptClient)"></script>
            <script src="\(RostiPaths.schemaScript)"></script>
            <script>
            \(TryItScript.javaScript)
            </script>
            </body>
            </html>

            """
        return Array(page.utf8)
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
