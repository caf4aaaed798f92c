/// Anything that answers a request. Handlers are synchronous and run on a worker of the
/// server's pool: one that blocks (SQLite, a deliberate delay) holds up no one else, as the
/// pool starts another worker for the other connections (at once for a wait wrapped in
/// `Request.whileWaiting`, after `HTTPLimits.stallCheckInterval` otherwise).
public protocol Responder: Sendable {
    func respond(to request: Request) throws -> Response
}

/// A responder from a closure.
public struct ClosureResponder: Responder {
    private let body: @Sendable (Request) throws -> Response

    public init(_ body: @escaping @Sendable (Request) throws -> Response) { self.body = body }

    public func respond(to request: Request) throws -> Response { try body(request) }
}

/// Wraps a responder: may change the request, answer by itself, or change the response of
/// `next`. Around a whole router (`wrapped(in:)`), or around the routes of a group
/// (`Router.group`), where it runs before the method check.
public protocol Middleware: Sendable {
    func respond(to request: Request, next: any Responder) throws -> Response
}

extension Responder {
    /// This responder behind `middlewares`; the first one sees the request first.
    public func wrapped(in middlewares: [any Middleware]) -> any Responder {
        middlewares.reversed().reduce(self as any Responder) { next, middleware in
            MiddlewareResponder(middleware: middleware, next: next)
        }
    }
}

private struct MiddlewareResponder: Responder {
    let middleware: any Middleware
    let next: any Responder

    func respond(to request: Request) throws -> Response {
        try middleware.respond(to: request, next: next)
    }
}
