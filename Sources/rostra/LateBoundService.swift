import HTTP
import Synchronization

/// What one listener answers with, given after the listener is bound: `serve` binds both
/// ports before it opens the state, so that a port in use stops it before a new database
/// is created and seeded, and the API's responder and error renderer need that state.
///
/// `bind` is called once, before the server's `start()`; the engine only calls the
/// responder and renderer from threads `start()` creates, and a thread's creation orders
/// everything before it, so they always find the service bound. The load is an atomic
/// acquire, nothing more, on every request.
final class LateBoundService: Sendable {
    private final class Bound: Sendable {
        let responder: any Responder
        let errorRenderer: any ErrorRenderer

        init(responder: any Responder, errorRenderer: any ErrorRenderer) {
            self.responder = responder
            self.errorRenderer = errorRenderer
        }
    }

    private let bound = AtomicLazyReference<Bound>()

    func bind(responder: any Responder, errorRenderer: any ErrorRenderer) {
        precondition(bound.load() == nil, "a listener's service is bound once")
        _ = bound.storeIfNil(Bound(responder: responder, errorRenderer: errorRenderer))
    }

    var responder: some Responder { LateResponder(service: self) }
    var errorRenderer: some ErrorRenderer { LateErrorRenderer(service: self) }

    /// A request served before `bind` (the engine never does it: see above) gets the
    /// engine's plain 503.
    fileprivate var current: (responder: any Responder, errorRenderer: any ErrorRenderer) {
        guard let bound = bound.load() else { return (Unbound(), PlainErrorRenderer()) }
        return (bound.responder, bound.errorRenderer)
    }

    private struct Unbound: Responder {
        func respond(to request: Request) throws -> Response {
            throw HTTPError(.serviceUnavailable, message: "starting")
        }
    }
}

private struct LateResponder: Responder {
    let service: LateBoundService

    func respond(to request: Request) throws -> Response {
        try service.current.responder.respond(to: request)
    }
}

private struct LateErrorRenderer: ErrorRenderer {
    let service: LateBoundService

    func response(for error: any Error, request: Request?) -> Response {
        service.current.errorRenderer.response(for: error, request: request)
    }
}
