import HTTP
import JSON
import Primitives
import Synchronization
import Testing

@testable import Emulator

/// The OpenAPI model the three descriptions share.
@Suite struct OpenAPIDocumentBuilderTests {
    @Test func operationIDsTellTrailingSlashesApart() {
        #expect(OpenAPIDocumentBuilder.operationID(.get, "/api/v1") == "getApiV1")
        #expect(OpenAPIDocumentBuilder.operationID(.get, "/api/v1/") == "getApiV1Slash")
        #expect(OpenAPIDocumentBuilder.operationID(.delete, "/api/v1/file_stores/{hash}") == "deleteApiV1FileStoresHash")
        #expect(OpenAPIDocumentBuilder.operationID(.get, "/") == "getRoot")
        #expect(OpenAPIDocumentBuilder.operationID(.delete, "/__admin/faults/{id}", droppingPrefix: "/__admin/") == "deleteFaultsId")
    }

    @Test func schemasAreClosedAndNullableWhereSaid() {
        let object = JSONSchema.closedObject([("id", JSONSchema.integer), ("note", JSONSchema.string)])
        #expect(object.objectValue?["required"] == ["id", "note"])
        #expect(object.objectValue?["additionalProperties"] == false)
        #expect(JSONSchema.nullable(JSONSchema.dateTime) == ["type": ["string", "null"], "format": "date-time"])
        #expect(JSONSchema.nullable(["$ref": "#/components/schemas/Tech"]) == ["anyOf": [["$ref": "#/components/schemas/Tech"], ["type": "null"]]])
        #expect(OpenAPIParameter("id", in: .path, schema: JSONSchema.integer).required)
    }

    @Test func aDocumentHasItsOperationsComponentsAndSecurity() {
        var builder = OpenAPIDocumentBuilder(title: "T", description: "D")
        var operation = OpenAPIOperation(summary: "S", operationID: "getThing")
        operation.responses = [
            OpenAPIResponse(200, "OK", content: [OpenAPIContent("application/json", schema: JSONSchema.string)],
                            links: [OpenAPIResponse.Link("next", operationID: "getThing", parameters: [("id", "$response.body#/id")])]),
            .shared(404, "NotFound"),
        ]
        operation.security = []
        builder.add(.get, "/thing", operation)
        builder.addComponent("responses", "NotFound", OpenAPIResponse.object(description: "No"))
        builder.security = ["scheme"]
        let document = builder.document.objectValue
        #expect(document?["openapi"] == "3.1.0")
        #expect(document?["security"] == [["scheme": []]])
        let get = document?["paths"]?.objectValue?["/thing"]?.objectValue?["get"]?.objectValue
        #expect(get?["security"] == [])
        #expect(get?["responses"]?.objectValue?["404"] == ["$ref": "#/components/responses/NotFound"])
        #expect(get?["responses"]?.objectValue?["200"]?.objectValue?["links"]
            == ["next": ["operationId": "getThing", "parameters": ["id": "$response.body#/id"]]])
    }

    /// The document is rendered once, on the first request, from every route registered
    /// before it (its own included).
    @Test func theServedDocumentIsRenderedOnceFromTheRoutesBeforeIt() throws {
        var router = Router()
        router.add(.get, "/a") { _ in Response(status: .ok) }
        let renders = AdaptiveMutex(0)
        let seen = AdaptiveMutex<[String]>([])
        ServedOpenAPIDocument.register(on: &router) { routes in
            renders.withLock { $0 += 1 }
            seen.withLock { $0 = routes.map(\.pattern) }
            return ["routes": .integer(routes.count)]
        }
        #expect(renders.withLock { $0 } == 0)
        let request = Request(method: .get, target: ServedOpenAPIDocument.path)
        let first = try router.respond(to: request)
        let second = try router.respond(to: request)
        #expect(renders.withLock { $0 } == 1)
        #expect(seen.withLock { $0 } == ["/a", ServedOpenAPIDocument.path])
        #expect(first.headers["Content-Type"] == ServedOpenAPIDocument.contentType)
        guard case .bytes(let bytes) = first.body, case .bytes(let again) = second.body else {
            Issue.record("the document is not answered as bytes")
            return
        }
        #expect(bytes == again && bytes == JSONWriter.bytes(["routes": 2], .indented))
    }
}

extension OpenAPIDocumentBuilderTests {
    /// A route without a description is still listed, and marked for the tests to find.
    @Test func anUndescribedRouteIsListedAndMarked() {
        let operation = OpenAPIOperation.undescribed(.get, "/things/{id}", name: "thing").json.objectValue
        #expect(operation?[OpenAPIOperation.undescribedMarker] == true)
        #expect(operation?["summary"] == "thing")
        #expect(operation?["parameters"]?.arrayValue?.first?.objectValue?["in"] == "path")
        #expect(operation?["responses"]?.objectValue?.keys == ["default"])
        #expect(OpenAPIOperation(summary: "S", operationID: "s").json.objectValue?[OpenAPIOperation.undescribedMarker] == nil)
    }
}
