import Emulator
import HTTP
import Testing

@testable import RostiAPI
import TestSupport

/// The browser demo at `GET /api/`: a "try it" form per link, wired to the CoreAPI client.
@Suite struct DocumentationPageTests {
    static let browserAccept = [("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")]

    func page(_ server: RostiTestServer) throws -> String {
        let response = try server.send("GET", "/api/", token: nil, headers: Self.browserAccept)
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        return response.text
    }

    /// Each link of the schema has a form naming its keys and an input per field, with the
    /// field's location and type, so the script can build the parameters the client wants.
    @Test func everyLinkHasATryItFormWithAnInputPerField() throws {
        let html = try page(RostiTestServer())
        #expect(html.components(separatedBy: "<form class=\"try\"").count - 1 == RostiEndpoints.all.count)
        for endpoint in RostiEndpoints.all {
            let id = "try-v1-\(endpoint.resource)-\(endpoint.action)"
            let keys = HTMLText.escape(#"["v1","\#(endpoint.resource)","\#(endpoint.action)"]"#)
            #expect(html.contains(#"<form class="try" id="\#(id)" data-keys="\#(keys)">"#), "\(endpoint.name)")
            for field in endpoint.fields {
                let input = #"id="\#(id)-\#(field.name)" name="\#(field.name)" data-location="\#(field.location.rawValue)" data-type="\#(field.type.typeName)""#
                #expect(html.contains(input), "\(endpoint.name): \(field.name)")
            }
            #expect(html.contains(#"<button class="send" type="submit">\#(endpoint.method.rawValue) \#(endpoint.path)</button>"#))
        }
        // Choices are offered as they are; a required field is marked.
        #expect(html.contains("<option>https+le</option><option>http</option>"))
        #expect(html.contains(#"<label for="try-v1-apps-create-name" class="required">name</label>"#))
    }

    /// The client, then the schema it decodes, then the forms' script, which calls through
    /// the client with the pasted token.
    @Test func theFormsCallThroughTheCoreAPIClient() throws {
        let html = try page(RostiTestServer())
        let client = try #require(html.range(of: #"<script src="\#(RostiPaths.javaScriptClient)"></script>"#))
        let schema = try #require(html.range(of: #"<script src="\#(RostiPaths.schemaScript)"></script>"#))
        let forms = try #require(html.range(of: "new window.coreapi.Client("))
        #expect(client.upperBound < schema.lowerBound && schema.upperBound < forms.lowerBound)
        #expect(TryItScript.javaScript.contains("client.action(window.schema, JSON.parse(form.getAttribute('data-keys')), params)"))
        #expect(TryItScript.javaScript.contains("new window.coreapi.auth.TokenAuthentication({ scheme: 'Token', token: token })"))
        #expect(html.contains(#"<input id="try-token""#))
        // The answer is shown as text, never as markup.
        #expect(!TryItScript.javaScript.contains("innerHTML"))
        #expect(TryItScript.javaScript.contains("output.textContent ="))
        // The script is inline: it must not close its own element early.
        #expect(!TryItScript.javaScript.contains("</"))
    }

    @Test func textOfTheTableIsEscapedInTheForms() throws {
        let endpoint = Endpoint(.get, "/api/v1/{company_id}/odd<ities/", "list", "A <b>bold</b> \"claim\".",
                                query: [SchemaField("q\"><script>", .query, .string, "x")]) { _ in Response(contentType: "text/plain", bytes: []) }
        let html = String(decoding: DocumentationPage.html([endpoint], host: ServedHost(authority: "127.0.0.1:8000")), as: UTF8.self)
        #expect(html.contains("A &lt;b&gt;bold&lt;/b&gt; &quot;claim&quot;."))
        #expect(html.contains(#"id="try-v1-odd&lt;ities-list""#))
        #expect(html.contains(#"name="q&quot;&gt;&lt;script&gt;""#))
        #expect(!html.contains("q\"><script>"))
    }

    /// The page's file has exactly the slots its Swift side fills.
    @Test func thePageFilesSlotsAreTheOnesFilled() {
        #expect(Set(DocumentationPage.template.slots) == [
            "title", "description", "clientPath", "schemaScriptPath", "schemaPath", "navigation", "sections", "tryItScript",
            "scheme", "host", "hostName",
        ])
        #expect(Set(DocumentationPage.page(RostiEndpoints.all).slots) == ["scheme", "host", "hostName"])
        let html = String(decoding: DocumentationPage.html(RostiEndpoints.all, host: .unnamed), as: UTF8.self)
        #expect(!html.contains("{{"))
        #expect(html.hasSuffix("</html>\n"))
    }

    /// The page's example commands name the host the page was asked for (its `Host`), each
    /// request its own, in the forms each client wants: a URL's host and port for curl and
    /// the clients' URLs, the lowercased host alone for coreapi-cli's credentials.
    @Test func theExamplesNameTheHostThePageWasAskedFor() throws {
        let server = try RostiTestServer()
        for (host, name) in [("Rostra.Example:8123", "rostra.example"), ("127.0.0.1:\(server.port)", "127.0.0.1"), ("[::1]:8000", "::1"), ("localhost", "localhost")] {
            let client = try RawClient(port: server.port)
            try client.send(Array("GET /api/ HTTP/1.1\r\nHost: \(host)\r\nAccept: text/html\r\nConnection: close\r\n\r\n".utf8))
            let html = try client.readResponse().text
            #expect(html.contains(#"<pre>curl -H "Authorization: Token rostidemo0000000000000000000000000000001" http://\#(host)/api/v1/companies/</pre>"#), "\(host)")
            #expect(html.contains("coreapi get http://\(host)/api/\n"), "\(host)")
            #expect(html.contains(#"coreapi credentials add \#(name) "Token rostidemo0000000000000000000000000000001""#), "\(host)")
            #expect(html.contains(#"schema = client.get("http://\#(host)/api/")"#), "\(host)")
            #expect(!html.contains("HOST"), "\(host)")
        }
    }

    /// A host is text on the page, whatever a client sent; an HTTP/1.0 request without one
    /// gets the generic words.
    @Test func theHostIsEscapedAndMayBeMissing() throws {
        let hostile = ServedHost(authority: #"a"><script>alert(1)</script>"#)
        let html = String(decoding: DocumentationPage.html(RostiEndpoints.all, host: hostile), as: UTF8.self)
        #expect(html.contains("http://a&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;/api/"))
        #expect(!html.contains("<script>alert"))

        let old = Request(method: .get, target: "/api/", version: .http1_0)
        #expect(ServedHost(request: old) == .unnamed)
        let named = Request(method: .get, target: "/api/", version: .http1_0, headers: ["Host": "Example.org:80"])
        #expect(ServedHost(request: named) == ServedHost(authority: "Example.org:80", name: "example.org"))
    }

    /// Asked for over TLS, the page's examples use https.
    @Test func theExamplesUseTheSchemeThePageWasAskedWith() {
        var request = Request(method: .get, target: "/api/", headers: ["Host": "admin.rosti.cz"])
        request.scheme = "https"
        let html = String(decoding: DocumentationPage.html(RostiEndpoints.all, host: ServedHost(request: request)), as: UTF8.self)
        #expect(html.contains("coreapi get https://admin.rosti.cz/api/\n"))
        #expect(html.contains(#"schema = client.get("https://admin.rosti.cz/api/")"#))
        #expect(!html.contains("http://admin.rosti.cz"))
    }
}
