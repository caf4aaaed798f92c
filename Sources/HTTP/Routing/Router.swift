/// Dispatches on path and method. Patterns are literal segments and `{name}` parameters,
/// with an optional final `{name...}` that takes the rest of the path; a trailing slash is
/// part of the pattern (`/apps/` and `/apps` are different routes, as in Django).
///
/// A path that matches no pattern throws 404; a path that matches with another method
/// throws 405 with `Allow`. `HEAD` is answered by the `GET` handler (the connection drops
/// the body) and `OPTIONS` lists the methods, unless routes of their own exist.
///
/// **Groups** (as Hummingbird's `RouterGroup`): routes added through `group(_:middleware:_:)`
/// share a path prefix and middleware. The middleware run for every request whose path
/// matches one of the group's patterns, whatever its method: the method check — the
/// handler, `HEAD` by `GET`, `OPTIONS`, or 405 — comes after them, inside the group's
/// chain. So middleware that authenticates answers a stranger's wrong method with its own
/// 401, before any 405, as Django REST Framework does. A path that matches no pattern is
/// 404 before any group's middleware runs (Django resolves the URL before the view). The
/// routes of one path must all come from one group (or none).
public struct Router: Responder {
    /// A registered route, as listed for schema and documentation generators.
    public struct Route: Sendable {
        public let method: HTTPMethod
        public let pattern: String
        public let name: String?
    }

    private struct Node: Sendable {
        var literals: [String: Int] = [:]
        var parameter: (name: String, node: Int)?
        var remainder: (name: String, node: Int)?
        /// The path's routes and their group's middleware, once a route ends here.
        var endpoint: Endpoint?
    }

    /// What a request whose path matched a node is handed to: the method dispatch behind
    /// the group's middleware.
    private struct Endpoint: Sendable {
        let route: MatchedRoute
        let group: Int?
        let responder: any Responder
    }

    private var nodes = [Node()]
    /// The middleware of each group, outermost first, its enclosing groups' included.
    private var groupMiddleware: [[any Middleware]] = []
    public private(set) var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: HTTPMethod, _ pattern: String, name: String? = nil, responder: some Responder) {
        add(method, pattern, name: name, responder: responder, group: nil)
    }

    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, name: String? = nil,
        _ handler: @escaping @Sendable (Request) throws -> Response
    ) {
        add(method, pattern, name: name, responder: ClosureResponder(handler))
    }

    /// Adds the routes `build` adds to the group, their patterns under `prefix` (joined with
    /// one slash between: `/api/v1/` and `apps/` make `/api/v1/apps/`), behind `middleware`
    /// (the first sees the request first). Groups nest: an inner group's middleware run
    /// inside its outer group's.
    public mutating func group(_ prefix: String, middleware: [any Middleware] = [], _ build: (inout RouterGroup) -> Void) {
        var group = RouterGroup(prefix: prefix, middleware: middleware)
        build(&group)
        register(group, enclosing: [])
    }

    private mutating func register(_ group: RouterGroup, enclosing: [any Middleware]) {
        let chain = enclosing + group.middleware
        groupMiddleware.append(chain)
        let id = groupMiddleware.count - 1
        for entry in group.entries {
            switch entry {
            case .route(let method, let pattern, let name, let responder):
                add(method, pattern, name: name, responder: responder, group: id)
            case .group(let inner):
                register(inner, enclosing: chain)
            }
        }
    }

    private mutating func add(_ method: HTTPMethod, _ pattern: String, name: String?, responder: any Responder, group: Int?) {
        var current = 0
        for segment in Self.segments(of: pattern) {
            if segment.hasPrefix("{") && segment.hasSuffix("...}") {
                let name = String(segment.dropFirst().dropLast(4))
                current = child(of: current, existing: nodes[current].remainder?.node) { $0.remainder = (name, $1) }
            } else if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let name = String(segment.dropFirst().dropLast())
                if let existing = nodes[current].parameter {
                    precondition(existing.name == name, "routes \(pattern) name one segment differently")
                }
                current = child(of: current, existing: nodes[current].parameter?.node) { $0.parameter = (name, $1) }
            } else {
                let literal = String(segment)
                current = child(of: current, existing: nodes[current].literals[literal]) { $0.literals[literal] = $1 }
            }
        }
        var handlers: [HTTPMethod: any Responder] = [:]
        if let existing = nodes[current].endpoint {
            precondition(existing.route.handlers[method] == nil, "duplicate route \(method) \(pattern)")
            precondition(existing.group == group, "the routes of \(pattern) come from different groups")
            handlers = existing.route.handlers
        }
        handlers[method] = responder
        let route = MatchedRoute(pattern: nodes[current].endpoint?.route.pattern ?? pattern, handlers: handlers)
        let dispatch = MethodDispatch(route: route)
        nodes[current].endpoint = Endpoint(
            route: route, group: group,
            responder: group.map { dispatch.wrapped(in: groupMiddleware[$0]) } ?? dispatch)
        routes.append(Route(method: method, pattern: pattern, name: name))
    }

    private mutating func child(of parent: Int, existing: Int?, attach: (inout Node, Int) -> Void) -> Int {
        if let existing { return existing }
        nodes.append(Node())
        attach(&nodes[parent], nodes.count - 1)
        return nodes.count - 1
    }

    public func respond(to request: Request) throws -> Response {
        var parameters = PathParameters()
        let segments = Self.segments(of: request.path)
        guard let node = match(segments[...], at: 0, parameters: &parameters), let endpoint = nodes[node].endpoint else {
            throw HTTPError(.notFound)
        }
        var routed = request
        routed.parameters = parameters
        routed.route = endpoint.route
        return try endpoint.responder.respond(to: routed)
    }

    /// Literal segments win over parameters, parameters over a remainder; when a literal
    /// branch dead-ends, the others are tried (so `/companies/` and `/{company_id}/apps/`
    /// can coexist).
    private func match(_ segments: ArraySlice<Substring>, at index: Int, parameters: inout PathParameters) -> Int? {
        let node = nodes[index]
        guard let segment = segments.first else {
            return node.endpoint == nil ? nil : index
        }
        let rest = segments.dropFirst()
        if let literal = node.literals[String(segment)], let found = match(rest, at: literal, parameters: &parameters) {
            return found
        }
        if let parameter = node.parameter, !segment.isEmpty {
            var attempt = parameters
            attempt.set(parameter.name, PercentDecoding.decode(segment))
            if let found = match(rest, at: parameter.node, parameters: &attempt) {
                parameters = attempt
                return found
            }
        }
        if let remainder = node.remainder, nodes[remainder.node].endpoint != nil {
            parameters.set(remainder.name, PercentDecoding.decode(segments.joined(separator: "/")))
            return remainder.node
        }
        return nil
    }

    /// "/a/b/" → ["a", "b", ""]: the empty last segment keeps the trailing slash significant.
    /// Splits the UTF-8 bytes: splitting Characters was a measured hot spot.
    private static func segments(of path: String) -> [Substring] {
        let whole = Substring(path)
        var bytes = whole.utf8[...]
        if bytes.first == UInt8(ascii: "/") { bytes = bytes.dropFirst() }
        return bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { whole[$0.startIndex..<$0.endIndex] }
    }
}

/// Routes being added under one prefix and behind the same middleware; see
/// `Router.group(_:middleware:_:)`.
public struct RouterGroup {
    fileprivate enum Entry {
        case route(HTTPMethod, String, String?, any Responder)
        case group(RouterGroup)
    }

    private let prefix: String
    fileprivate let middleware: [any Middleware]
    fileprivate private(set) var entries: [Entry] = []

    fileprivate init(prefix: String, middleware: [any Middleware]) {
        self.prefix = prefix
        self.middleware = middleware
    }

    /// A route at `pattern` under the group's prefix.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, name: String? = nil, responder: some Responder) {
        entries.append(.route(method, Self.join(prefix, pattern), name, responder))
    }

    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, name: String? = nil,
        _ handler: @escaping @Sendable (Request) throws -> Response
    ) {
        add(method, pattern, name: name, responder: ClosureResponder(handler))
    }

    /// A group inside this one: its prefix under this one's, its middleware inside.
    public mutating func group(_ prefix: String, middleware: [any Middleware] = [], _ build: (inout RouterGroup) -> Void) {
        var inner = RouterGroup(prefix: Self.join(self.prefix, prefix), middleware: middleware)
        build(&inner)
        entries.append(.group(inner))
    }

    /// `prefix` and `pattern` with one slash between them (none added to an empty pattern).
    static func join(_ prefix: String, _ pattern: String) -> String {
        var head = Substring(prefix)
        while head.hasSuffix("/") { head = head.dropLast() }
        if pattern.isEmpty { return String(head) }
        return head + (pattern.hasPrefix("/") ? pattern : "/" + pattern)
    }
}

/// The route a request's path matched, as its group's middleware see it (`Request.route`):
/// the pattern, and whether a handler answers the request's method.
public final class MatchedRoute: Sendable {
    /// The pattern of the path, e.g. `/api/v1/{company_id}/apps/`.
    public let pattern: String
    fileprivate let handlers: [HTTPMethod: any Responder]
    /// The methods the path answers, for `Allow` (RFC 9110 §10.2.1).
    public let allow: String

    fileprivate init(pattern: String, handlers: [HTTPMethod: any Responder]) {
        self.pattern = pattern
        self.handlers = handlers
        self.allow = Self.allowHeader(for: handlers)
    }

    /// Whether the router answers `method` on this path (`HEAD` through `GET`, `OPTIONS`
    /// always) rather than with 405.
    public func answers(_ method: HTTPMethod) -> Bool {
        handlers[method] != nil || method == .options || (method == .head && handlers[.get] != nil)
    }

    private static func allowHeader(for handlers: [HTTPMethod: any Responder]) -> String {
        var methods = Set(handlers.keys)
        if methods.contains(.get) { methods.insert(.head) }
        methods.insert(.options)
        let order: [HTTPMethod] = [.get, .head, .post, .put, .patch, .delete, .options]
        let known = order.filter(methods.contains)
        let others = methods.subtracting(order).map(\.rawValue).sorted()
        return (known.map(\.rawValue) + others).joined(separator: ", ")
    }
}

/// The innermost step of a matched path: the method's handler, `HEAD` by `GET`, `OPTIONS`
/// with `Allow`, or 405 with `Allow`.
private struct MethodDispatch: Responder {
    let route: MatchedRoute

    func respond(to request: Request) throws -> Response {
        if let handler = route.handlers[request.method] {
            return try handler.respond(to: request)
        }
        if request.method == .head, let get = route.handlers[.get] {
            return try get.respond(to: request)
        }
        if request.method == .options {
            return Response(status: .noContent, headers: ["Allow": route.allow])
        }
        throw HTTPError(.methodNotAllowed, headers: ["Allow": route.allow])
    }
}
