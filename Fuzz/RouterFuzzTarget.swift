// Fuzz target: the router (module HTTP) with the two APIs' kinds of patterns.
// Invariants: any path is answered or refused with 404/405 (never a crash); a path that
// matches a parameter route gives parameters that were in the path.

private let router: Router = {
    var router = Router()
    let answer = ClosureResponder { request in
        var text = request.path
        for name in ["company_id", "id", "hash", "rest"] { text += "|" + (request.parameters[name] ?? "") }
        return Response(contentType: "text/plain", bytes: Array(text.utf8))
    }
    for pattern in [
        "/api/v1/companies/", "/api/v1/{company_id}/apps/", "/api/v1/{company_id}/apps/{id}/",
        "/api/v1/{company_id}/apps-action/{id}/", "/api/v1/file_stores.json", "/api/v1/file_stores/{hash}",
        "/download/{hash}", "/api/v1/upload", "/__admin/{rest...}", "/",
    ] {
        router.add(.get, pattern, responder: answer)
    }
    router.add(.delete, "/api/v1/{company_id}/apps/{id}/", responder: answer)
    return router
}()

func fuzzOne(_ input: FuzzInput) {
    guard let selector = input.selector else { return }
    let methods: [HTTPMethod] = [.get, .head, .post, .delete, .options, HTTPMethod("BREW")]
    let method = methods[Int(selector) % methods.count]
    let target = "/" + input.payloadText
    do {
        let response = try router.respond(to: Request(method: method, target: target))
        if case .bytes(let bytes) = response.body, response.status == .ok {
            // The answer starts with the path the handler saw (which may itself contain "|").
            // Compared as bytes: String.hasPrefix compares Characters, and a parameter that
            // begins with a combining mark joins the "|" before it into one Character.
            let path = Request(method: method, target: target).path
            fuzzRequire(bytes.starts(with: Array((path + "|").utf8)), "routed another path")
        }
    } catch let error as HTTPError {
        fuzzRequire([404, 405].contains(error.status.code), "router answered \(error.status)")
    } catch {
        fuzzFailure("unexpected error \(error)")
    }
}
