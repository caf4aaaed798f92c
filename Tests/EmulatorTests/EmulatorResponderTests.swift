import EmulatedAPIs
import EmulatorState
import Foundation
import HTTP
import Logging
import Testing
@testable import Emulator
import TestSupport

/// The stack `Emulator.responder(for:)` builds: admin first and untouched by the API's
/// middleware, then tenant ▸ journal ▸ faults ▸ maintenance ▸ service middleware ▸ error
/// rendering ▸ routes.
@Suite struct EmulatorResponderTests {
    struct TeapotRenderer: ErrorRenderer {
        func response(for error: any Error, request: Request?) -> Response {
            let status = (error as? HTTPError)?.status ?? .internalServerError
            return Response(status: status, contentType: "text/plain", bytes: Array("rendered \(status.code)".utf8))
        }
    }

    /// Marks every answer that passes through it, errors included.
    struct Stamp: Middleware {
        func respond(to request: Request, next: any Responder) throws -> Response {
            var response = try next.respond(to: request)
            response.headers.add(name: "X-Stamp", value: "yes")
            return response
        }
    }

    struct Service: APIService {
        let api = EmulatedAPI.rosa
        var errorRenderer: any ErrorRenderer { TeapotRenderer() }
        func registerRoutes(on router: inout Router) {
            router.add(.get, "/tenant") { request in
                Response(contentType: "text/plain", bytes: Array(try request.tenant().name.utf8))
            }
            router.add(.get, "/fail") { _ in throw HTTPError(.forbidden) }
        }
        func middlewares(emulator: Emulator) -> [any Middleware] { [Stamp()] }
    }

    func makeEmulator() throws -> Emulator {
        let store = try StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        return Emulator(defaultState: store, plugins: EmulatedAPIs.plugins, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func text(_ response: Response) -> String {
        guard case .bytes(let bytes) = response.body else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func errorsAreRenderedInsideTheServiceMiddleware() throws {
        let responder = try makeEmulator().responder(for: Service())
        let failed = try responder.respond(to: Request(method: .get, target: "/fail"))
        #expect(failed.status == .forbidden)
        #expect(text(failed) == "rendered 403")
        #expect(failed.headers["X-Stamp"] == "yes")
        let missing = try responder.respond(to: Request(method: .get, target: "/nowhere"))
        #expect(text(missing) == "rendered 404")
        #expect(missing.headers["X-Stamp"] == "yes")
        #expect(text(try responder.respond(to: Request(method: .get, target: "/tenant"))) == "default")
    }

    @Test func maintenanceAnswers503ButNotOnTheAdminPaths() throws {
        let emulator = try makeEmulator()
        let responder = emulator.responder(for: Service())
        emulator.maintenance.set(.rosa, on: true)
        // Rendered by the API's renderer above maintenance (the journal's layer), and never
        // reaching the service's middleware.
        let refused = try responder.respond(to: Request(method: .get, target: "/tenant"))
        #expect(refused.status == .serviceUnavailable)
        #expect(text(refused) == "rendered 503")
        #expect(refused.headers["X-Stamp"] == nil)
        let health = try responder.respond(to: Request(method: .get, target: "/__admin/health"))
        #expect(health.status == .ok)
        #expect(health.headers["X-Stamp"] == nil)
        emulator.maintenance.set(.rosa, on: false)
        #expect(try responder.respond(to: Request(method: .get, target: "/tenant")).status == .ok)
        #expect(emulator.maintenance.apisInMaintenance.isEmpty)
    }
}
