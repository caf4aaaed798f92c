import HTTP
import JSON
import Testing

@testable import Emulator
import TestSupport

/// `GET /__admin/openapi.json` describes exactly the admin routes the server has.
@Suite struct OpenAPIDocumentTests {
    /// (method, path) of every operation in the document.
    func operations(_ document: JSONValue) -> Set<String> {
        var found: Set<String> = []
        for path in document.objectValue?["paths"]?.objectValue?.members ?? [] {
            for method in path.value.objectValue?.keys ?? [] { found.insert("\(method.uppercased()) \(path.key)") }
        }
        return found
    }

    @Test func theDocumentListsEveryRouteOfTheRouterAndNoOther() throws {
        let harness = try ControlPlaneHarness()
        for api in EmulatedAPI.allCases {
            let served = try harness.admin("GET", "openapi.json", api: api)
            #expect(served.status == 200)
            #expect(served["openapi"] == "3.1.0")
            let routes = Set(harness.emulator.adminRouter(for: api).routes.map { "\($0.method.rawValue) \($0.pattern)" })
            #expect(operations(served.json) == routes)
            // Both probe services' admin routes are served on every port.
            #expect(routes.contains("GET /__admin/probe-rosti") && routes.contains("GET /__admin/probe-rosa"))
        }
    }

    @Test func theLiveServerAnswersEveryDocumentedOperation() throws {
        let harness = try ControlPlaneHarness()
        let document = try harness.admin("GET", "openapi.json").json
        for path in document.objectValue?["paths"]?.objectValue?.members ?? [] {
            let concrete = path.key.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{name}", with: "someone")
            let options = try harness.send("OPTIONS", concrete, api: .rosa)
            #expect(options.status == 204, "\(path.key)")
            let allowed = Set((options.headers["Allow"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            for method in path.value.objectValue?.keys ?? [] {
                #expect(allowed.contains(method.uppercased()), "\(method) \(path.key) documented but not served")
            }
        }
    }

    @Test func everyOwnCallIsDescribedAndBodiesHaveSchemas() throws {
        let harness = try ControlPlaneHarness()
        let document = try harness.admin("GET", "openapi.json").json
        let paths = try #require(document.objectValue?["paths"]?.objectValue)
        for path in paths.members where !path.key.contains("probe-") {
            for (method, operation) in path.value.objectValue?.members ?? [] {
                let object = try #require(operation.objectValue)
                #expect(object["summary"]?.stringValue?.isEmpty == false)
                #expect(object["responses"]?.objectValue?.keys.isEmpty == false)
                if ["put", "post"].contains(method) {
                    #expect(object["requestBody"] != nil, "\(method) \(path.key) has no body schema")
                }
            }
        }
        // The probe's own route is listed with its route name as summary.
        #expect(paths["/__admin/probe-rosa"]?.objectValue?["get"]?.objectValue?["summary"] == "The probe service's own admin route")
    }

    @Test func withATokenTheDocumentSaysSoAndHealthStaysOpen() throws {
        let harness = try ControlPlaneHarness(adminAccess: .token("t"))
        let document = try harness.admin("GET", "openapi.json", headers: ["Authorization": "Bearer t"]).json.objectValue!
        #expect(document["security"] == [["adminToken": []]])
        let health = document["paths"]?.objectValue?["/__admin/health"]?.objectValue?["get"]?.objectValue
        #expect(health?["security"] == [])
    }
}
