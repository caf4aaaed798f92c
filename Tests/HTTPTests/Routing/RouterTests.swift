import Testing
@testable import HTTP
import TestSupport

private func text(_ label: String) -> ClosureResponder {
    ClosureResponder { request in
        let parameters = ["company_id", "id", "hash", "rest"].compactMap { name in request.parameters[name].map { "\(name)=\($0)" } }
        return Response(contentType: "text/plain", bytes: Array(([label] + parameters).joined(separator: " ").utf8))
    }
}

private func body(_ response: Response) -> String {
    guard case .bytes(let bytes) = response.body else { return "" }
    return String(decoding: bytes, as: UTF8.self)
}

private func status(of error: () throws -> Response) -> HTTPError? {
    do {
        _ = try error()
        return nil
    } catch {
        return error as? HTTPError
    }
}

@Suite struct RouterTests {
    let router: Router = {
        var router = Router()
        router.add(.get, "/api/v1/companies/", responder: text("companies"))
        router.add(.get, "/api/v1/{company_id}/apps/", responder: text("apps"))
        router.add(.post, "/api/v1/{company_id}/apps/", responder: text("create"))
        router.add(.get, "/api/v1/{company_id}/apps/{id}/", responder: text("app"))
        router.add(.delete, "/api/v1/{company_id}/apps/{id}/", responder: text("delete"))
        router.add(.get, "/api/v1/file_stores.json", responder: text("find"))
        router.add(.get, "/api/v1/file_stores/{hash}", responder: text("download"))
        router.add(.get, "/static/{rest...}", responder: text("static"))
        return router
    }()

    @Test func literalsParametersAndBacktracking() throws {
        #expect(body(try router.respond(to: Request(method: .get, target: "/api/v1/companies/"))) == "companies")
        #expect(body(try router.respond(to: Request(method: .get, target: "/api/v1/12/apps/"))) == "apps company_id=12")
        #expect(body(try router.respond(to: Request(method: .get, target: "/api/v1/12/apps/7/?x=1"))) == "app company_id=12 id=7")
        // "companies" is a literal at this depth, yet this path only fits the parameter route.
        #expect(body(try router.respond(to: Request(method: .get, target: "/api/v1/companies/apps/"))) == "apps company_id=companies")
        #expect(body(try router.respond(to: Request(method: .get, target: "/api/v1/file_stores.json?hash=x"))) == "find")
        #expect(body(try router.respond(to: Request(method: .get, target: "/api/v1/file_stores/abc.log"))) == "download hash=abc.log")
        #expect(body(try router.respond(to: Request(method: .get, target: "/static/js/a%20b.js"))) == "static rest=js/a b.js")
    }

    @Test func trailingSlashIsSignificant() {
        #expect(status { try router.respond(to: Request(method: .get, target: "/api/v1/companies")) }?.status == .notFound)
        #expect(status { try router.respond(to: Request(method: .get, target: "/api/v1/12/apps/7")) }?.status == .notFound)
        #expect(status { try router.respond(to: Request(method: .get, target: "/api/v1//apps/")) }?.status == .notFound)
    }

    @Test func wrongMethodOnAKnownPathIs405WithAllow() {
        let error = status { try router.respond(to: Request(method: .patch, target: "/api/v1/1/apps/2/")) }
        #expect(error?.status == .methodNotAllowed)
        #expect(error?.headers["Allow"] == "GET, HEAD, DELETE, OPTIONS")
        #expect(status { try router.respond(to: Request(method: .put, target: "/api/v1/1/apps/")) }?.headers["Allow"] == "GET, HEAD, POST, OPTIONS")
    }

    @Test func headUsesGetAndOptionsListsMethods() throws {
        #expect(body(try router.respond(to: Request(method: .head, target: "/api/v1/companies/"))) == "companies")
        let options = try router.respond(to: Request(method: .options, target: "/api/v1/1/apps/"))
        #expect(options.status == .noContent)
        #expect(options.headers["Allow"] == "GET, HEAD, POST, OPTIONS")
    }

    @Test func listsItsRoutes() {
        #expect(router.routes.count == 8)
        #expect(router.routes.contains { $0.method == .post && $0.pattern == "/api/v1/{company_id}/apps/" })
    }

    @Test func middlewareRunsOutsideInAndCanAnswer() throws {
        struct Tag: Middleware {
            let name: String
            func respond(to request: Request, next: any Responder) throws -> Response {
                if request.headers["X-Stop"] == name { return Response(contentType: "text/plain", bytes: Array("stopped by \(name)".utf8)) }
                var response = try next.respond(to: request)
                response.headers.add(name: "X-Trail", value: name)
                return response
            }
        }
        let wrapped = router.wrapped(in: [Tag(name: "outer"), Tag(name: "inner")])
        let passed = try wrapped.respond(to: Request(method: .get, target: "/api/v1/companies/"))
        #expect(passed.headers.values(for: "X-Trail") == ["inner", "outer"])
        let stopped = try wrapped.respond(to: Request(method: .get, target: "/api/v1/companies/", headers: ["X-Stop": "inner"]))
        #expect(body(stopped) == "stopped by inner")
        #expect(stopped.headers.values(for: "X-Trail") == ["outer"])
    }
}
