import EmulatedAPIs
import EmulatorState
import Foundation
import HTTP
import Logging
import Testing

@testable import Emulator
import TestSupport

/// The generic middleware in the emulator's stack, with a stand-in API whose policy keys
/// requests by an `X-Who` header and limits only `/limited/` paths.
@Suite struct RateLimitMiddlewareTests {
    struct Policy: RateLimitPolicy {
        func isLimited(_ request: Request) -> Bool { request.path.hasPrefix("/limited/") }
        func clientKey(for request: Request) throws -> String { request.headers["X-Who"] ?? request.remoteAddress }
        func rejection(for request: Request, decision: RateLimitDecision) -> Response {
            Response(status: .tooManyRequests, contentType: "text/plain", bytes: Array("slow down \(decision.used)".utf8))
        }
    }

    struct Service: APIService {
        let api: EmulatedAPI
        var errorRenderer: any ErrorRenderer { PlainErrorRenderer() }
        func registerRoutes(on router: inout Router) {
            router.add(.get, "/limited/ok") { _ in Response(contentType: "text/plain", bytes: Array("ok".utf8)) }
            router.add(.get, "/limited/fail") { _ in throw HTTPError(.badRequest) }
            router.add(.get, "/free") { _ in Response(contentType: "text/plain", bytes: Array("free".utf8)) }
        }
        func middlewares(emulator: Emulator) -> [any Middleware] {
            [RateLimitMiddleware(api: api, settings: emulator.settings, policy: Policy())]
        }
    }

    func makeEmulator(limit: Int = 3) throws -> Emulator {
        let store = try StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        var settings = EmulatorSettings()
        settings.rateLimit = limit
        settings.rateLimitedAPIs = [.rosa]
        let emulator = Emulator(
            defaultState: store, plugins: EmulatedAPIs.plugins, settings: settings, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        emulator.defaultTenant.clock.set(mode: .frozen, now: 1_795_428_000)
        return emulator
    }

    func get(_ responder: any Responder, _ path: String, who: String = "ann") throws -> Response {
        try responder.respond(to: Request(method: .get, target: path, headers: ["X-Who": who]))
    }

    @Test func everyAnswerCarriesTheHeadersErrorsIncluded() throws {
        let emulator = try makeEmulator()
        let responder = emulator.responder(for: Service(api: .rosa))
        let answers = try ["/limited/ok", "/limited/fail", "/limited/missing"].map { try get(responder, $0) }
        #expect(answers.map(\.status.code) == [200, 400, 404])
        #expect(answers.map { $0.headers["X-RateLimit-Limit"] } == ["3", "3", "3"])
        #expect(answers.map { $0.headers["X-RateLimit-Remaining"] } == ["2", "1", "0"])
        #expect(answers.allSatisfy { $0.headers["Retry-After"] == nil })
    }

    @Test func overTheLimitThePolicyAnswersWithRetryAfter() throws {
        let emulator = try makeEmulator(limit: 1)
        let responder = emulator.responder(for: Service(api: .rosa))
        _ = try get(responder, "/limited/ok")
        emulator.defaultTenant.clock.advance(by: 600.5)
        let refused = try get(responder, "/limited/ok")
        #expect(refused.status == .tooManyRequests)
        #expect(refused.headers["X-RateLimit-Remaining"] == "0")
        #expect(refused.headers["Retry-After"] == "3000")
        // Others are counted on their own.
        #expect(try get(responder, "/limited/ok", who: "bob").status == .ok)
        emulator.defaultTenant.clock.advance(by: 3000)
        #expect(try get(responder, "/limited/ok").status == .ok)
    }

    @Test func unlimitedPathsAndAPIsAreLeftAlone() throws {
        let emulator = try makeEmulator(limit: 1)
        let rosa = emulator.responder(for: Service(api: .rosa))
        for _ in 0..<3 { #expect(try get(rosa, "/free").headers["X-RateLimit-Limit"] == nil) }
        let rosti = emulator.responder(for: Service(api: .rosti))
        for _ in 0..<3 {
            let response = try get(rosti, "/limited/ok")
            #expect(response.status == .ok)
            #expect(response.headers["X-RateLimit-Limit"] == nil)
        }
    }

    @Test func settingsApplyToTheNextRequest() throws {
        let emulator = try makeEmulator(limit: 1)
        let rosa = emulator.responder(for: Service(api: .rosa))
        let rosti = emulator.responder(for: Service(api: .rosti))
        #expect(try get(rosa, "/limited/ok").status == .ok)
        #expect(try get(rosa, "/limited/ok").status == .tooManyRequests)
        emulator.settings.update { $0.rateLimit = 5 }
        let raised = try get(rosa, "/limited/ok")
        #expect(raised.status == .ok)
        #expect(raised.headers["X-RateLimit-Remaining"] == "2")
        emulator.settings.update { $0.rateLimitedAPIs = [.rosa, .rosti] }
        // The same key in another API is another counter.
        #expect(try get(rosti, "/limited/ok").headers["X-RateLimit-Remaining"] == "4")
        emulator.settings.update { $0.rateLimitedAPIs = [] }
        #expect(try get(rosa, "/limited/ok").headers["X-RateLimit-Limit"] == nil)
    }
}
