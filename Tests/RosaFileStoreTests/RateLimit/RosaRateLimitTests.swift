import Dispatch
import Emulator
import Foundation
import HTTP
import Primitives
import Synchronization
import Testing

@testable import RosaFileStore
import TestSupport

/// The hourly limit on `/api/v1/…` as clients see it (reference "Rate limiting").
@Suite struct RosaRateLimitTests {
    static let rateLimitBody = #"{"message": "403 Forbidden | Rate Limit Exceeded"}"#
    /// 2026-11-22T10:00:00Z.
    static let topOfHour = 1_795_428_000.0

    func server(limit: Int) throws -> RosaTestServer {
        let server = try RosaTestServer()
        server.emulator.settings.update { $0.rateLimit = limit }
        server.clock.set(mode: .frozen, now: Self.topOfHour + 1800)
        return server
    }

    @Test func everyAPIAnswerCarriesTheHeadersErrorsIncluded() throws {
        let server = try server(limit: 10)
        let demo = ("Authorization", Auth.demo)
        let answers = [
            try server.get("/api/v1/check", [demo]),
            try server.get("/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)", [demo]),
            try server.get("/api/v1/nowhere", [demo]),
            try server.request("PUT", "/api/v1/check", headers: [demo]),
            try server.request("DELETE", "/api/v1/file_stores/\(Seeded.notesSHA1).json", headers: [demo]),
            try server.upload(.file([]), authorization: Auth.demo),
            try server.get("/api/v1/file_stores/\(Seeded.helloSHA1)", [demo, ("If-None-Match", "\"\(Seeded.helloSHA1)\"")]),
            try server.get("/api/v1", [demo]),
        ]
        #expect(answers.map(\.status) == [200, 200, 404, 405, 403, 422, 304, 302])
        #expect(answers.map { $0.headers["X-RateLimit-Limit"] } == Array(repeating: "10", count: 8))
        #expect(answers.map { $0.headers["X-RateLimit-Remaining"] } == (2...9).reversed().map(String.init))
    }

    @Test func overTheLimitTheDocumented403UntilTheTopOfTheHour() throws {
        let server = try server(limit: 3)
        server.clock.set(mode: .frozen, now: Self.topOfHour + 3590)
        let demo = [("Authorization", Auth.demo)]
        for remaining in ["2", "1", "0"] {
            let allowed = try server.get("/api/v1/check", demo)
            #expect(allowed.status == 200)
            #expect(allowed.headers["X-RateLimit-Remaining"] == remaining)
        }
        for target in ["/api/v1/check", "/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)", "/api/v1/nowhere"] {
            let refused = try server.get(target, demo)
            #expect(refused.status == 403)
            #expect(refused.text == Self.rateLimitBody)
            #expect(refused.headers["Content-Type"] == "application/json; charset=utf-8")
            #expect(refused.headers["X-RateLimit-Limit"] == "3")
            #expect(refused.headers["X-RateLimit-Remaining"] == "0")
            #expect(refused.headers["Retry-After"] == "10")
        }
        // Refused requests do nothing: no upload is stored.
        #expect(try server.upload(.file(sampleBytes(50)), authorization: Auth.demo).status == 403)
        #expect(try server.fileRowCount() == 4)

        server.clock.advance(by: 9.5)
        #expect(try server.get("/api/v1/check", demo).status == 403)
        server.clock.advance(by: 0.5)  // the top of the hour
        let fresh = try server.get("/api/v1/check", demo)
        #expect(fresh.status == 200)
        #expect(fresh.headers["X-RateLimit-Remaining"] == "2")
    }

    /// Requests without credentials to a tenant not made yet make none: they are counted
    /// under the name they gave, each name apart, and the counts move to the tenant when a
    /// real caller makes it, so a stranger cannot start over by getting it made.
    @Test func countsOfATenantNotMadeYetAreItsOwnAndMoveWithIt() throws {
        let server = try RosaTestServer()
        // The seed view keeps real time: a month's window, so none ends during the test.
        server.emulator.settings.update {
            $0.rateLimit = 3
            $0.rateWindowSeconds = 30 * 24 * 3600
        }
        let find = "/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)"
        let late = ("X-Rostra-Tenant", "late")
        for remaining in ["2", "1", "0"] {
            let allowed = try server.get(find, [late])
            #expect(allowed.status == 200)
            #expect(allowed.headers["X-RateLimit-Remaining"] == remaining)
        }
        #expect(try server.get(find, [late]).status == 403)
        #expect(try server.get(find, [("Authorization", Auth.basic("demo", "wrong"))] + [late]).status == 403)
        #expect(try server.get(find, [("X-Rostra-Tenant", "other")]).headers["X-RateLimit-Remaining"] == "2", "each name apart")
        #expect(server.emulator.tenants.existingTenant(named: "late") == nil)
        #expect(server.emulator.tenants.createdCount == 0)

        let signedIn = try server.get("/api/v1/check", [("Authorization", Auth.demo), late])
        #expect(signedIn.status == 200)
        #expect(signedIn.headers["X-RateLimit-Remaining"] == "2", "the login's own count")
        #expect(server.emulator.tenants.existingTenant(named: "late") != nil)
        #expect(try server.get(find, [late]).status == 403, "the address's count came along")
    }

    /// Keyed by the authenticated login (however the user signed in), else the token, else
    /// the client's address (anonymous callers, and credentials that match no one).
    @Test func countersAreKeyedByLoginTokenOrAddress() throws {
        let server = try server(limit: 100)
        func remaining(_ headers: [(String, String)]) throws -> String? {
            try server.get("/api/v1/file_stores.json", headers).headers["X-RateLimit-Remaining"]
        }
        #expect(try remaining([("Authorization", Auth.demo)]) == "99")
        #expect(try remaining([("Authorization", Auth.basic("demo@rostra.local", "demo-password"))]) == "98")
        #expect(try remaining([("Authorization", Auth.basic(Seeded.demoToken, ""))]) == "99")
        #expect(try remaining([("Authorization", Auth.basic(Seeded.demoToken, ""))]) == "98")
        #expect(try remaining([("Authorization", Auth.other)]) == "99")
        #expect(try remaining([]) == "99")
        #expect(try remaining([("Authorization", Auth.basic("demo", "wrong"))]) == "98")
        #expect(try remaining([]) == "97")
    }

    @Test func theLimitAndWindowAreReadFromTheSettingsOnEachRequest() throws {
        let server = try server(limit: 2)
        #expect(try server.get("/api/v1/check", [("Authorization", Auth.demo)]).headers["X-RateLimit-Remaining"] == "1")
        server.emulator.settings.update { $0.rateLimit = 50 }
        #expect(try server.get("/api/v1/check", [("Authorization", Auth.demo)]).headers["X-RateLimit-Remaining"] == "48")
        server.emulator.settings.update { $0.rateWindowSeconds = 60 }
        server.clock.set(mode: .frozen, now: Self.topOfHour + 59)
        #expect(try server.get("/api/v1/check", [("Authorization", Auth.demo)]).headers["X-RateLimit-Remaining"] == "49")
        server.clock.advance(by: 1)
        #expect(try server.get("/api/v1/check", [("Authorization", Auth.demo)]).headers["X-RateLimit-Remaining"] == "49")
        server.emulator.settings.update { $0.rateLimitedAPIs = [] }
        let unlimited = try server.get("/api/v1/check", [("Authorization", Auth.demo)])
        #expect(unlimited.status == 200)
        #expect(unlimited.headers["X-RateLimit-Limit"] == nil)
    }

    /// Many clients at once: each request gets its own count, none is lost or doubled, and
    /// exactly the requests past the limit are refused.
    @Test func concurrentRequestsAreCountedExactly() throws {
        let limit = 150, requests = 200
        let server = try server(limit: limit)
        let results = AdaptiveMutex<[(status: Int, remaining: Int)]>([])
        let failures = AdaptiveMutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for _ in 0..<(requests / 8) {
                do {
                    let response = try server.get("/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)", [("Authorization", Auth.demoToken)])
                    let remaining = Int(response.headers["X-RateLimit-Remaining"] ?? "") ?? -1
                    results.withLock { $0.append((response.status, remaining)) }
                } catch {
                    failures.withLock { $0.append("worker \(worker): \(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let seen = results.withLock { $0 }
        #expect(seen.count == requests)
        #expect(seen.filter { $0.status == 200 }.map(\.remaining).sorted() == Array(0..<limit))
        #expect(seen.filter { $0.status == 403 }.count == requests - limit)
        #expect(seen.filter { $0.status == 403 }.allSatisfy { $0.remaining == 0 })
    }

    /// Each tenant counts on its own; today every request is the default tenant's, so this
    /// checks that the counters hang off the tenant, not off the process.
    @Test func countersBelongToTheServersOwnTenant() throws {
        let first = try server(limit: 1)
        let second = try server(limit: 1)
        #expect(try first.get("/api/v1/check", [("Authorization", Auth.demo)]).status == 200)
        #expect(try first.get("/api/v1/check", [("Authorization", Auth.demo)]).status == 403)
        #expect(try second.get("/api/v1/check", [("Authorization", Auth.demo)]).status == 200)
    }
}
