import HTTP

/// Every Rosti path ends in `/` (Django's URL patterns), and a path without it is a 404
/// whose body must stay DRF's own `{"detail":"Nenalezeno."}`. The hint for the person
/// behind it goes to the log instead: a 404 for a path that names an endpoint once a `/`
/// is added logs `hint: Rosti paths end in "/": GET /api/v1/companies/`.
struct TrailingSlashHint: Middleware {
    /// The endpoints' path patterns, by segment (`{…}` matches any one segment).
    let patterns: [[Substring]]

    init(paths: [String]) {
        patterns = paths.map { $0.split(separator: "/", omittingEmptySubsequences: false) }
    }

    func respond(to request: Request, next: any Responder) throws -> Response {
        let response = try next.respond(to: request)
        if response.status == .notFound, !request.path.hasSuffix("/"), names(request.path + "/") {
            request.logger.notice("hint: Rosti paths end in \"/\": \(request.method.rawValue) \(request.path)/ (this request's \(request.path) is 404, as Django answers it)")
        }
        return response
    }

    private func names(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return patterns.contains { pattern in
            pattern.count == segments.count
                && zip(pattern, segments).allSatisfy { expected, found in
                    expected.hasPrefix("{") ? !found.isEmpty : expected == found
                }
        }
    }
}
