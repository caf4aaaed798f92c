import Emulator
import Foundation
import HTTP
import Testing

@testable import RosaFileStore
import TestSupport

/// `GET /openapi.json` on the Rosa port: the description made from the routes RosaRoutes
/// registers, the same bytes as docs/openapi/rosa.json, and true to what the server answers.
@Suite struct RosaOpenAPITests {
    static let checkedInCopy = "docs/openapi/rosa.json"

    func served(_ server: RosaTestServer) throws -> (RawResponse, OpenAPIChecks) {
        let response = try server.get(ServedOpenAPIDocument.path)
        return (response, try OpenAPIChecks(response.body))
    }

    @Test func theServedDocumentIsTheCheckedInCopy() throws {
        let (response, _) = try served(try RosaTestServer())
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/json")
        let copy = try RepositoryFile.bytes(Self.checkedInCopy)
        #expect(response.body == copy, "\(Self.checkedInCopy) differs from what the server serves: run scripts/update-openapi")
    }

    @Test func theDocumentIsOpenAPI31WithBasicAuthWhereTheServerAsksForIt() throws {
        let (_, checks) = try served(try RosaTestServer())
        #expect(checks.document["openapi"] as? String == "3.1.0")
        #expect((checks.document["info"] as? [String: Any])?["title"] as? String == "Rosa File Store API")
        let scheme = checks.resolve("#/components/securitySchemes/basicAuth") as? [String: Any]
        #expect(scheme?["type"] as? String == "http" && scheme?["scheme"] as? String == "basic")
        #expect(checks.danglingReferences.isEmpty, "\(checks.danglingReferences)")
        #expect(checks.operationIDProblems.isEmpty, "\(checks.operationIDProblems)")
        let needsCredentials: Set<String> = [
            "POST /api/v1/upload", "POST /api/v1/upload.json", "DELETE /api/v1/file_stores/{hash}",
            "GET /api/v1/check", "GET /api/v1/check.json",
        ]
        for (key, _, operation) in checks.operationObjects {
            let security = try #require(operation["security"] as? [[String: Any]], "\(key)")
            let responses = operation["responses"] as? [String: Any] ?? [:]
            if needsCredentials.contains(key) {
                #expect(security.first?.keys.first == "basicAuth", "\(key)")
                #expect(responses["401"] != nil, "\(key)")
            } else {
                #expect(security.isEmpty, "\(key) is open to everyone")
            }
        }
    }

    @Test func everyRouteOfTheServerIsDescribedAndNoOther() throws {
        let (_, checks) = try served(try RosaTestServer())
        var router = Router()
        RosaFileStoreService().registerRoutes(on: &router)
        #expect(checks.operations == Set(router.routes.map { "\($0.method.rawValue) \($0.pattern)" }))
        #expect(checks.operations.contains("GET /openapi.json"))
        #expect(checks.undescribedOperations.isEmpty, "served but not described: \(checks.undescribedOperations)")
        #expect(checks.pathParameterProblems.isEmpty, "\(checks.pathParameterProblems)")
    }

    /// Only requests under /api/v1 count (RosaRateLimitPolicy); the description says which.
    @Test func theDescriptionDoesNotCountAgainstTheRateLimit() throws {
        let server = try RosaTestServer()
        server.emulator.settings.update { $0.rateLimit = 1 }
        _ = try server.get("/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)")
        #expect(try server.get("/api/v1/file_stores.json").status == 403)
        for _ in 0..<3 {
            let response = try server.get(ServedOpenAPIDocument.path)
            #expect(response.status == 200)
            #expect(response.headers["X-RateLimit-Limit"] == nil)
        }
        let (_, checks) = try served(server)
        let find = checks.operation("GET", "/api/v1/file_stores.json")?["responses"] as? [String: Any]
        #expect(find?["403"] != nil)
        let description = checks.operation("GET", "/openapi.json")?["responses"] as? [String: Any]
        #expect(description?["403"] == nil)
    }

    /// Answers have exactly the described fields, and download types are all listed.
    @Test func answersAreTheDescribedOnes() throws {
        let server = try RosaTestServer()
        let (_, checks) = try served(server)
        let found = try server.get("/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)")
        let files = try #require(try JSONSerialization.jsonObject(with: Data(found.body)) as? [[String: Any]])
        #expect(Set(try #require(files.first).keys) == checks.propertyNames(ofSchema: "File"))
        for body in [try server.get("/api/v1/file_stores/\(Seeded.unknownSHA1)").body] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            #expect(Set(object.keys) == checks.propertyNames(ofSchema: "StatusMessage"))
        }
        let download = try #require(checks.operation("GET", "/download/{hash}"))
        let content = ((download["responses"] as? [String: Any])?["200"] as? [String: Any])?["content"] as? [String: Any] ?? [:]
        for sha1 in [Seeded.helloSHA1, Seeded.logSHA1, Seeded.tarballSHA1, Seeded.notesSHA1] {
            let type = try #require(try server.get("/download/\(sha1)").headers["Content-Type"])
            #expect(content[type] != nil, "\(type) is not described")
        }
    }

    @Test func anUploadLinksToFindDownloadAndDelete() throws {
        let (_, checks) = try served(try RosaTestServer())
        let upload = try #require(checks.operation("POST", "/api/v1/upload"))
        let created = (upload["responses"] as? [String: Any])?["201"] as? [String: Any]
        let links = created?["links"] as? [String: [String: Any]] ?? [:]
        #expect(Set(links.keys) == ["find", "download", "downloadShortPath", "delete"])
        let body = ((upload["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["multipart/form-data"] as? [String: Any]
        #expect((body?["schema"] as? [String: Any])?["required"] as? [String] == [RosaFileStoreLimits.filePartName])
    }
}
