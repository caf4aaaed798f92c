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

    // MARK: Groups

    /// Notes each request it sees in `X-Trail`; answers 401 itself for a request without
    /// `X-Key` that the router would answer 405 (authentication before the method check).
    private struct Guard: Middleware {
        let name: String
        var demandsKeyForWrongMethod = false

        func respond(to request: Request, next: any Responder) throws -> Response {
            if demandsKeyForWrongMethod, request.route?.answers(request.method) == false, request.headers["X-Key"] == nil {
                throw HTTPError(.unauthorized, message: "\(name) wants a key")
            }
            var response: Response
            do {
                response = try next.respond(to: request)
            } catch var error as HTTPError {
                error.headers.add(name: "X-Trail", value: name)
                throw error
            }
            response.headers.add(name: "X-Trail", value: name)
            return response
        }
    }

    private var grouped: Router {
        var router = Router()
        router.add(.get, "/open/", responder: text("open"))
        router.group("/api/v1/", middleware: [Guard(name: "outer", demandsKeyForWrongMethod: true)]) { v1 in
            v1.add(.get, "companies/", name: "companies", responder: text("companies"))
            v1.add(.get, "{company_id}/apps/", responder: text("apps"))
            v1.add(.post, "/{company_id}/apps/", responder: text("create"))
            v1.group("{company_id}/jobs", middleware: [Guard(name: "inner")]) { jobs in
                jobs.add(.get, "/", responder: text("jobs"))
                jobs.add(.get, "{id}/", responder: text("job"))
            }
        }
        return router
    }

    @Test func groupRoutesAreUnderThePrefixAndListedWhole() throws {
        let router = grouped
        let companies = try router.respond(to: Request(method: .get, target: "/api/v1/companies/"))
        #expect(body(companies) == "companies")
        #expect(companies.headers.values(for: "X-Trail") == ["outer"])
        #expect(body(try router.respond(to: Request(method: .post, target: "/api/v1/7/apps/"))) == "create company_id=7")
        #expect(router.routes.map(\.pattern) == [
            "/open/", "/api/v1/companies/", "/api/v1/{company_id}/apps/", "/api/v1/{company_id}/apps/",
            "/api/v1/{company_id}/jobs/", "/api/v1/{company_id}/jobs/{id}/",
        ])
        #expect(router.routes[1].name == "companies")
        // A route outside the group passes no group middleware.
        let open = try router.respond(to: Request(method: .get, target: "/open/"))
        #expect(body(open) == "open")
        #expect(open.headers.values(for: "X-Trail").isEmpty)
    }

    @Test func theGroupsMiddlewareRunsBeforeTheMethodCheck() {
        let router = grouped
        // A wrong method without a key: the group's middleware answers before the 405.
        let stranger = status { try router.respond(to: Request(method: .delete, target: "/api/v1/7/apps/")) }
        #expect(stranger?.status == .unauthorized)
        #expect(stranger?.message == "outer wants a key")
        // With a key: the 405 with Allow is made inside the group's chain, which sees it.
        let known = status { try router.respond(to: Request(method: .delete, target: "/api/v1/7/apps/", headers: ["X-Key": "k"])) }
        #expect(known?.status == .methodNotAllowed)
        #expect(known?.headers["Allow"] == "GET, HEAD, POST, OPTIONS")
        #expect(known?.headers.values(for: "X-Trail") == ["outer"])
    }

    @Test func aPathOutsideTheGroupsPatternsIs404BeforeAnyMiddleware() {
        let router = grouped
        // Under the prefix but no pattern: 404, without the key the group would want.
        let missing = status { try router.respond(to: Request(method: .delete, target: "/api/v1/7/nothing/")) }
        #expect(missing?.status == .notFound)
        #expect(missing?.headers.values(for: "X-Trail").isEmpty == true)
        #expect(status { try router.respond(to: Request(method: .get, target: "/elsewhere/")) }?.status == .notFound)
    }

    @Test func nestedGroupsRunOuterThenInner() throws {
        let router = grouped
        let job = try router.respond(to: Request(method: .get, target: "/api/v1/7/jobs/3/"))
        #expect(body(job) == "job company_id=7 id=3")
        // Appended on the way out: the inner middleware was nearer the handler.
        #expect(job.headers.values(for: "X-Trail") == ["inner", "outer"])
        let list = try router.respond(to: Request(method: .get, target: "/api/v1/7/jobs/"))
        #expect(body(list) == "jobs company_id=7")
        // The outer group's rule holds inside the inner group too.
        #expect(status { try router.respond(to: Request(method: .put, target: "/api/v1/7/jobs/3/")) }?.status == .unauthorized)
    }

    @Test func theMatchedRouteIsHandedOn() throws {
        var router = Router()
        router.add(.get, "/apps/{id}/") { request in
            let route = request.route
            let text = "\(route?.pattern ?? "-") \(route?.answers(.head) == true) \(route?.answers(.post) == true) \(route?.allow ?? "")"
            return Response(contentType: "text/plain", bytes: Array(text.utf8))
        }
        #expect(body(try router.respond(to: Request(method: .get, target: "/apps/1/"))) == "/apps/{id}/ true false GET, HEAD, OPTIONS")
    }

    @Test func prefixesJoinWithOneSlash() {
        #expect(RouterGroup.join("/api/v1/", "apps/") == "/api/v1/apps/")
        #expect(RouterGroup.join("/api/v1", "/apps/") == "/api/v1/apps/")
        #expect(RouterGroup.join("/api/v1/", "/") == "/api/v1/")
        #expect(RouterGroup.join("/api/v1/", "") == "/api/v1")
    }
}
