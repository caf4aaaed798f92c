import Emulator
import Foundation
import HTTP
import JSON
import Testing

@testable import RostiAPI
import TestSupport

/// `GET /openapi.json` on the Rosti port: the description made from the endpoint table,
/// the same bytes as docs/openapi/rosti.json, and true to what the server answers.
@Suite struct RostiOpenAPITests {
    static let checkedInCopy = "docs/openapi/rosti.json"

    func served(_ server: RostiTestServer) throws -> (RawResponse, OpenAPIChecks) {
        let response = try server.send("GET", ServedOpenAPIDocument.path, token: nil)
        return (response, try OpenAPIChecks(response.body))
    }

    @Test func theServedDocumentIsTheCheckedInCopy() throws {
        let server = try RostiTestServer()
        let (response, _) = try served(server)
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/json")
        let copy = try RepositoryFile.bytes(Self.checkedInCopy)
        #expect(response.body == copy, "\(Self.checkedInCopy) differs from what the server serves: run scripts/update-openapi")
        // Asked twice, the same bytes (rendered once, kept).
        #expect(try server.send("GET", ServedOpenAPIDocument.path, token: nil).body == response.body)
    }

    @Test func theDocumentIsOpenAPI31WithTokenSecurity() throws {
        let (_, checks) = try served(try RostiTestServer())
        #expect(checks.document["openapi"] as? String == "3.1.0")
        let info = try #require(checks.document["info"] as? [String: Any])
        #expect(info["title"] as? String == "Rosti API")
        #expect(info["version"] as? String == RostraVersion.string)
        let scheme = checks.resolve("#/components/securitySchemes/tokenAuth") as? [String: Any]
        #expect(scheme?["type"] as? String == "apiKey")
        #expect(scheme?["in"] as? String == "header")
        #expect(scheme?["name"] as? String == "Authorization")
        #expect((checks.document["security"] as? [[String: Any]])?.first?.keys.first == "tokenAuth")
        #expect(checks.danglingReferences.isEmpty, "\(checks.danglingReferences)")
        #expect(checks.operationIDProblems.isEmpty, "\(checks.operationIDProblems)")
    }

    @Test func everyRouteOfTheServerIsDescribedAndNoOther() throws {
        let server = try RostiTestServer()
        let (_, checks) = try served(server)
        var router = Router()
        server.service.registerRoutes(on: &router)
        let routes = Set(router.routes.map { "\($0.method.rawValue) \($0.pattern)" })
        #expect(checks.operations == routes)
        for endpoint in RostiEndpoints.all {
            #expect(checks.operations.contains("\(endpoint.method.rawValue) \(endpoint.path)"), "\(endpoint.name)")
        }
        #expect(checks.operations.contains("GET /openapi.json"))
        #expect(checks.undescribedOperations.isEmpty, "served but not described: \(checks.undescribedOperations)")
    }

    /// An endpoint added to the table without a described answer is listed and marked,
    /// which the check above turns into a failure.
    @Test func anEndpointWithoutADescribedAnswerIsMarked() throws {
        let widgets = Endpoint(.get, "/api/v1/{company_id}/widgets/", "list", "Widgets.") { _ in Response(status: .ok) }
        let service = RostiService(emulator: try RostiTestServer().emulator, endpoints: RostiEndpoints.all + [widgets])
        var router = Router()
        service.registerRoutes(on: &router)
        let checks = try OpenAPIChecks(JSONWriter.bytes(RostiOpenAPI.document(routes: router.routes, endpoints: RostiEndpoints.all + [widgets]), .indented))
        #expect(checks.undescribedOperations == ["GET /api/v1/{company_id}/widgets/"])
        #expect(checks.pathParameterProblems.isEmpty)
    }

    @Test func everyPathParameterIsDeclared() throws {
        let (_, checks) = try served(try RostiTestServer())
        #expect(checks.pathParameterProblems.isEmpty, "\(checks.pathParameterProblems)")
    }

    /// Each endpoint's fields, answers and errors are where the table and the reference put them.
    @Test func everyEndpointHasItsFieldsAnswerAndErrors() throws {
        let (_, checks) = try served(try RostiTestServer())
        for endpoint in RostiEndpoints.all {
            let label = endpoint.name
            let operation = try #require(checks.operation(endpoint.method.rawValue, endpoint.path), "\(label)")
            #expect(operation["summary"] as? String == endpoint.name)
            let responses = try #require(operation["responses"] as? [String: Any], "\(label)")
            let success = try #require(responses["200"] as? [String: Any], "\(label)")
            #expect((success["content"] as? [String: Any])?["application/json"] != nil, "\(label)")
            #expect(responses["401"] != nil, "\(label)")
            if endpoint.path.contains("{company_id}") { #expect(responses["403"] != nil && responses["404"] != nil, "\(label)") }
            let query = (operation["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "query" }
            #expect(Set(query.compactMap { $0["name"] as? String }) == Set(endpoint.queryFields.map(\.name)), "\(label)")
            guard !endpoint.formFields.isEmpty else {
                #expect(operation["requestBody"] == nil, "\(label)")
                continue
            }
            #expect(responses["400"] != nil && responses["415"] != nil, "\(label)")
            let body = try #require(
                ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any], "\(label)")
            let schema = try #require(body["schema"] as? [String: Any])
            #expect(Set((schema["properties"] as? [String: Any] ?? [:]).keys) == Set(endpoint.formFields.map(\.name)), "\(label)")
            #expect(Set(schema["required"] as? [String] ?? []) == Set(endpoint.formFields.filter(\.required).map(\.name)), "\(label)")
        }
    }

    /// The described objects have exactly the fields the server answers with (the
    /// schemas are closed, so a field added or dropped on one side fails here).
    @Test func answersHaveExactlyTheDescribedFields() throws {
        let server = try RostiTestServer()
        let (_, checks) = try served(server)
        func keys(_ path: String) throws -> [Set<String>] {
            let response = try server.send("GET", path)
            #expect(response.status == 200, "\(path)")
            let json = try JSONSerialization.jsonObject(with: Data(response.body))
            let objects = (json as? [[String: Any]]) ?? [json as? [String: Any] ?? [:]]
            #expect(!objects.isEmpty, "\(path) answered no object to compare")
            return objects.map { Set($0.keys) }
        }
        let app = try #require(try keys("/api/v1/1/apps/").first)
        let appID = try #require(try JSONSerialization.jsonObject(
            with: Data(try server.send("GET", "/api/v1/1/apps/").body)) as? [[String: Any]]).first?["id"] as? Int
        let cases: [(path: String, schema: String)] = [
            ("/api/v1/companies/", "Company"), ("/api/v1/1/plans/", "Plan"), ("/api/v1/1/runtimes/", "Runtime"),
            ("/api/v1/1/apps/", "App"), ("/api/v1/1/apps-status/\(appID ?? 0)/", "AppStatus"),
            ("/api/v1/1/storages/", "Storage"), ("/api/v1/1/snapshots/", "Snapshot"), ("/api/v1/1/jobs/", "Job"),
        ]
        #expect(!app.isEmpty)
        for (path, schema) in cases {
            for fields in try keys(path) {
                #expect(fields == checks.propertyNames(ofSchema: schema), "\(path) against \(schema)")
            }
        }
        let ssh = checks.resolve("#/components/schemas/App/properties/ssh_access/items/properties") as? [String: Any]
        #expect(Set((ssh ?? [:]).keys) == ["hostname", "port", "username"])
    }

    /// Every error body of the reference is one the description allows.
    @Test func errorAnswersAreDescribed() throws {
        let server = try RostiTestServer()
        let (_, checks) = try served(server)
        let detail = checks.propertyNames(ofSchema: "Detail")
        let validation = checks.propertyNames(ofSchema: "ValidationError")
        let answers: [(RawResponse, Set<String>)] = [
            (try server.send("GET", "/api/v1/1/apps/", token: nil), detail),
            (try server.send("GET", "/api/v1/3/apps/"), detail),
            (try server.send("GET", "/api/v1/1/apps/999999/"), detail),
            (try server.send("POST", "/api/v1/1/apps/", json: "{"), detail),
            (try server.send("POST", "/api/v1/1/apps/", json: "{}"), validation),
            (try server.send("POST", "/api/v1/1/apps/", json: "x", contentType: "text/plain"), detail),
        ]
        for (response, fields) in answers {
            let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            #expect(Set(body.keys) == fields, "\(response.status): \(response.text)")
        }
        #expect(answers.map(\.0.status) == [401, 403, 404, 400, 400, 415])
    }

    @Test func linksLeadFromCreatesToTheNewObject() throws {
        let (_, checks) = try served(try RostiTestServer())
        let create = try #require(checks.operation("POST", "/api/v1/{company_id}/apps/"))
        let links = ((create["responses"] as? [String: Any])?["200"] as? [String: Any])?["links"] as? [String: [String: Any]] ?? [:]
        #expect(Set(links.keys) == ["appsRead", "appsUpdate", "appsPartialUpdate", "appsDelete", "appsActionUpdate", "appsStatusRead"])
        #expect(links["appsStatusRead"]?["parameters"] as? [String: String] == ["company_id": "$request.path.company_id", "id": "$response.body#/id"])
    }

    @Test func boundsComeFromTheLimitsTheServerChecks() throws {
        let (_, checks) = try served(try RostiTestServer())
        let create = try #require(checks.operation("POST", "/api/v1/{company_id}/apps/"))
        let properties = try #require(
            (((create["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any])
                .flatMap { ($0["schema"] as? [String: Any])?["properties"] as? [String: [String: Any]] })
        #expect(properties["app_port"]?["maximum"] as? Int == Int(RostiLimits.portRange.upperBound))
        #expect(properties["domains"]?["maxItems"] as? Int == RostiLimits.listMaximumCount)
        let name = try #require(properties["name"]?["pattern"] as? String)
        let namePattern = try NSRegularExpression(pattern: name)
        func matches(_ text: String) -> Bool {
            namePattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        #expect(matches("blog_2.0") && matches(" blog ") && matches(String(repeating: "a", count: RostiLimits.appNameMaximumLength)))
        #expect(!matches("my blog") && !matches("") && !matches(String(repeating: "a", count: RostiLimits.appNameMaximumLength + 1)))
    }

    /// The password's bounds hold for the trimmed text, as the server checks them.
    @Test func thePasswordPatternCountsTheTrimmedText() throws {
        let pattern = try NSRegularExpression(pattern: RostiOpenAPI.trimmedText(
            minimum: RostiLimits.storagePasswordMinimumLength, maximum: RostiLimits.storagePasswordMaximumLength))
        func matches(_ text: String) -> Bool {
            pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        #expect(matches("12345678") && matches("\t12345678 ") && matches("1234 678"))
        #expect(!matches("1234567") && !matches("  1234567  ") && !matches(String(repeating: "x", count: 129)))
        #expect(matches(String(repeating: "x", count: 128)))
    }
}
