/// Dispatches on path and method. Patterns are literal segments and `{name}` parameters,
/// with an optional final `{name...}` that takes the rest of the path; a trailing slash is
/// part of the pattern (`/apps/` and `/apps` are different routes, as in Django).
///
/// A path that matches no pattern throws 404; a path that matches with another method
/// throws 405 with `Allow`. `HEAD` is answered by the `GET` handler (the connection drops
/// the body) and `OPTIONS` lists the methods, unless routes of their own exist.
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
        var handlers: [HTTPMethod: any Responder] = [:]
    }

    private var nodes = [Node()]
    public private(set) var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: HTTPMethod, _ pattern: String, name: String? = nil, responder: some Responder) {
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
        precondition(nodes[current].handlers[method] == nil, "duplicate route \(method) \(pattern)")
        nodes[current].handlers[method] = responder
        routes.append(Route(method: method, pattern: pattern, name: name))
    }

    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, name: String? = nil,
        _ handler: @escaping @Sendable (Request) throws -> Response
    ) {
        add(method, pattern, name: name, responder: ClosureResponder(handler))
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
        guard let node = match(segments[...], at: 0, parameters: &parameters) else {
            throw HTTPError(.notFound)
        }
        let handlers = nodes[node].handlers
        var routed = request
        routed.parameters = parameters
        if let handler = handlers[request.method] {
            return try handler.respond(to: routed)
        }
        if request.method == .head, let get = handlers[.get] {
            return try get.respond(to: routed)
        }
        let allow = Self.allowHeader(for: handlers)
        if request.method == .options {
            return Response(status: .noContent, headers: ["Allow": allow])
        }
        throw HTTPError(.methodNotAllowed, headers: ["Allow": allow])
    }

    /// The methods a path answers, for `Allow` (RFC 9110 §10.2.1).
    private static func allowHeader(for handlers: [HTTPMethod: any Responder]) -> String {
        var methods = Set(handlers.keys)
        if methods.contains(.get) { methods.insert(.head) }
        methods.insert(.options)
        let order: [HTTPMethod] = [.get, .head, .post, .put, .patch, .delete, .options]
        let known = order.filter(methods.contains)
        let others = methods.subtracting(order).map(\.rawValue).sorted()
        return (known.map(\.rawValue) + others).joined(separator: ", ")
    }

    /// Literal segments win over parameters, parameters over a remainder; when a literal
    /// branch dead-ends, the others are tried (so `/companies/` and `/{company_id}/apps/`
    /// can coexist).
    private func match(_ segments: ArraySlice<Substring>, at index: Int, parameters: inout PathParameters) -> Int? {
        let node = nodes[index]
        guard let segment = segments.first else {
            return node.handlers.isEmpty ? nil : index
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
        if let remainder = node.remainder, !nodes[remainder.node].handlers.isEmpty {
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
