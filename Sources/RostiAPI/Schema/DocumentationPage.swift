import Emulator

/// The page a browser gets at `/api/`: every endpoint with its fields, from the same table
/// as the routes and the CoreJSON document, and how to call them with each client.
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
            <nav>\(navigation)</nav>
            \(sections)
            <script src="\(RostiPaths.javaScriptClient)"></script>
            <script src="\(RostiPaths.schemaScript)"></script>
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
        guard !endpoint.fields.isEmpty else { return html }
        html += "<table>\n<tr><th>field</th><th>in</th><th>required</th><th>type</th><th>description</th></tr>\n"
        for field in endpoint.fields {
            var type = field.type.typeName
            if case .choice(let choices) = field.type { type = choices.joined(separator: " | ") }
            html += "<tr><td><code>\(escape(field.name))</code></td><td>\(field.location.rawValue)</td>"
                + "<td>\(field.required ? "yes" : "")</td><td>\(escape(type))</td><td>\(escape(field.description))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// The emulator's one HTML escaping (also used by the admin dashboard).
    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
