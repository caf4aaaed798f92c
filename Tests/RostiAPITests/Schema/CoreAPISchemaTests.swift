import Foundation
import HTTP
import JSON
import Testing

@testable import RostiAPI
import TestSupport

@Suite struct CoreAPISchemaTests {
    func schema(_ server: RostiTestServer, accept: String? = nil, query: String = "") throws -> (RawResponse, JSONValue) {
        let response = try server.send("GET", "/api/" + query, token: nil, headers: accept.map { [("Accept", $0)] } ?? [])
        return (response, try JSONParser.parse(response.body))
    }

    /// Every API route the router knows is a link of the document, at `v1 > resource >
    /// action`, with its method and path; and nothing else is.
    @Test func everyRouteIsALinkAndEveryLinkARoute() throws {
        let server = try RostiTestServer()
        let (_, document) = try schema(server, accept: "application/coreapi+json")
        var router = Router()
        server.service.registerRoutes(on: &router)
        let apiRoutes = router.routes.filter { $0.pattern.hasPrefix("/api/v1/") }
        #expect(apiRoutes.count == RostiEndpoints.all.count)
        var linkCount = 0
        if case .object(let sections)? = document["v1"] {
            for section in sections.members {
                if case .object(let links) = section.value { linkCount += links.members.count }
            }
        }
        #expect(linkCount == apiRoutes.count)
        for route in apiRoutes {
            let keys = try #require(route.name?.components(separatedBy: " > "))
            let link = try #require(document[keys[0]]?[keys[1]]?[keys[2]], "no link for \(route.pattern)")
            #expect(link["_type"] == "link")
            #expect(link["url"] == .string(route.pattern))
            #expect(link["action"] == .string(route.method.rawValue.lowercased()))
        }
    }

    @Test func theDocumentHasTheCoreJSONShape() throws {
        let server = try RostiTestServer()
        let (response, document) = try schema(server)
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/coreapi+json")
        #expect(document["_type"] == "document")
        #expect(document["_meta"]?["url"] == "/api/")
        #expect(document["_meta"]?["title"] == "Rosti API")
        #expect(document["v1"]?["companies"]?["list"] == [
            "_type": "link", "url": "/api/v1/companies/", "action": "get", "description": "Companies the token's account belongs to.",
        ])
        let create = try #require(document["v1"]?["apps"]?["create"])
        #expect(create["encoding"] == "application/json")
        #expect(create["fields"]?.items.first == [
            "name": "company_id", "required": true, "location": "path",
            "schema": ["_type": "integer", "title": "Company id", "description": "The company to work in (an id from v1 > companies > list)."],
        ])
        #expect(create["fields"]?.items[1] == [
            "name": "name", "required": true, "location": "form",
            "schema": ["_type": "string", "title": "Name", "description": "Letters, digits, _ and . only."],
        ])
        #expect(create["fields"]?.items.map { $0["name"]?.text ?? "" }
            == ["company_id", "name", "enabled", "image", "domains", "mode", "plan", "ssh_keys", "app_port"])
        let mode = try #require(create["fields"]?.items.first { $0["name"] == "mode" })
        #expect(mode["required"] == nil)
        #expect(mode["schema"]?["enum"] == ["https+le", "http"])
        // PATCH requires nothing but the path.
        let patch = try #require(document["v1"]?["apps"]?["partial_update"])
        #expect(patch["fields"]?.items.filter { $0["required"] == true }.map { $0["name"]?.text ?? "" } == ["company_id", "id"])
        // Links without body fields carry no encoding.
        #expect(document["v1"]?["apps"]?["list"]?["encoding"] == nil)
        #expect(document["v1"]?["apps-action"]?["update"]?["action"] == "put")
        #expect(document["v1"]?["storages-password"]?["update"]?["url"] == "/api/v1/{company_id}/storages-password/{id}/")
    }

    /// The only query parameter the server reads is declared (clients refuse others).
    @Test func queryParametersAreDeclared() throws {
        let server = try RostiTestServer()
        let (_, document) = try schema(server)
        let jobs = try #require(document["v1"]?["jobs"]?["list"]?["fields"]?.items)
        #expect(jobs.last == [
            "name": "status", "location": "query",
            "schema": ["_type": "enum", "title": "Status", "description": "Only jobs in this status.",
                       "enum": ["pending", "running", "done", "failed"]],
        ])
        let queryFields = RostiEndpoints.all.flatMap(\.queryFields)
        #expect(queryFields.map(\.name) == ["status"])
    }

    @Test func negotiationFollowsDRF() throws {
        let server = try RostiTestServer()
        let coreJSON = ["application/coreapi+json", "application/vnd.coreapi+json", "*/*",
                        "application/coreapi+json, application/vnd.coreapi+json, */*", "application/json"]
        for accept in coreJSON {
            #expect(try server.send("GET", "/api/", token: nil, headers: [("Accept", accept)]).headers["Content-Type"] == "application/coreapi+json", "\(accept)")
        }
        let browser = try server.send("GET", "/api/", token: nil, headers: [("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")])
        #expect(browser.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(browser.text.contains("<code>/api/v1/{company_id}/apps-status/{id}/</code>"))
        #expect(browser.text.contains(RostiPaths.javaScriptClient))
        let forced = try server.send("GET", "/api/?format=corejson", token: nil, headers: [("Accept", "text/html")])
        #expect(forced.headers["Content-Type"] == "application/coreapi+json")
        #expect(try server.send("GET", "/api/?format=yaml", token: nil).status == 404)
        let refused = try server.send("GET", "/api/", token: nil, headers: [("Accept", "image/png")])
        #expect(refused.status == 406)
        #expect(refused.text == #"{"detail":"Could not satisfy the request Accept header."}"#)
    }

    @Test func schemaScriptEmbedsTheDocument() throws {
        let server = try RostiTestServer()
        let script = try server.get("/api/schema.js", token: nil)
        #expect(script.headers["Content-Type"] == "application/javascript; charset=utf-8")
        let lines = script.text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0] == "var codec = new window.coreapi.codecs.CoreJSONCodec()")
        #expect(lines[2] == "window.schema = codec.decode(coreJSON)")
        let encoded = try #require(lines[1].split(separator: "'").dropFirst().first)
        let decoded = try #require(Data(base64Encoded: String(encoded)))
        #expect(Array(decoded) == (try schema(server)).0.body)
    }

    /// schema.js hands the document to the client through `atob`, one character per byte,
    /// and DRF's client (so Rostra's, which behaves the same) parses that as it is: a byte
    /// above 127 would reach the page garbled.
    @Test func theDocumentInSchemaJSIsASCII() throws {
        let document = JSONWriter.bytes(CoreAPISchema.document(RostiEndpoints.all), .djangoREST)
        #expect(document.allSatisfy { $0 < 0x80 }, "non-ASCII text in the schema: DRF's JavaScript client would garble it")
    }

    @Test func theJavaScriptClientIsServed() throws {
        let server = try RostiTestServer()
        let client = try server.get(RostiPaths.javaScriptClient, token: nil)
        #expect(client.status == 200)
        #expect(client.headers["Content-Type"] == "application/javascript; charset=utf-8")
        #expect(client.body == JavaScriptClient.bytes)
        // DRF's surface (scripts/coreapi-js-diff-test compares the behaviour with DRF's bundle).
        for name in ["scope.coreapi = factory()", "TokenAuthentication", "CoreJSONCodec", "requestCallback", "responseCallback",
                     "options.scheme || 'Bearer'", "'Missing required field: \"'", "'Invalid link lookup: '"] {
            #expect(client.text.contains(name), "\(name)")
        }
    }

    @Test func keysLikeTheFormatsOwnAreEscaped() {
        #expect(CoreAPISchema.escapeKey("_type") == "__type")
        #expect(CoreAPISchema.escapeKey("__meta") == "___meta")
        #expect(CoreAPISchema.escapeKey("apps") == "apps")
        #expect(CoreAPISchema.escapeKey("_types") == "_types")
    }
}
