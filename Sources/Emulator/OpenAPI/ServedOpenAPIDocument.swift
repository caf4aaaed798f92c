import HTTP
import JSON
import Primitives

/// `GET /openapi.json` of an emulated API: the description its describer makes from every
/// route the router holds once registration is over, this one included.
///
/// The document is rendered on the first request, not at start-up (rendering costs a few
/// milliseconds that most runs would pay for nothing), and kept: it changes only with the
/// code. The bytes are indented with a final newline, the same bytes as the copy kept in
/// the repository under docs/openapi/, so that a diff of that copy reads well.
public enum ServedOpenAPIDocument {
    public static let path = "/openapi.json"
    public static let routeName = "OpenAPI description"
    public static let contentType = "application/json"

    /// Registers `GET /openapi.json`; call it after every other route of the API.
    public static func register(on router: inout Router, describe: @escaping @Sendable ([Router.Route]) -> JSONValue) {
        let rendered = RenderedOnce()
        router.add(.get, path, name: routeName) { _ in
            Response(contentType: contentType, bytes: rendered.bytes)
        }
        let routes = router.routes
        rendered.setRender { JSONWriter.bytes(describe(routes), .indented) }
    }
}

/// Bytes made by a closure the first time they are asked for.
final class RenderedOnce: Sendable {
    private enum State {
        case waiting(@Sendable () -> [UInt8])
        case rendered([UInt8])
    }

    private let state = AdaptiveMutex<State>(.waiting { [] })

    func setRender(_ render: @escaping @Sendable () -> [UInt8]) {
        state.withLock { $0 = .waiting(render) }
    }

    var bytes: [UInt8] {
        state.withLock { state in
            switch state {
            case .rendered(let bytes):
                return bytes
            case .waiting(let render):
                let bytes = render()
                state = .rendered(bytes)
                return bytes
            }
        }
    }
}
