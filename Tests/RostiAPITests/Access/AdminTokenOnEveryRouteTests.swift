import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import HTTP
import Testing

@testable import RostiAPI
import TestSupport

/// `--admin-token`, checked route by route from the admin router's own table
/// (`Emulator.adminRouter(for:).routes`, the Rosti service's job routes included): each
/// route but the documented open reads (health and the dashboard's static files) answers
/// 401 without the token, with a wrong one and with another scheme, and such calls change
/// no state and make no tenant.
@Suite struct AdminTokenOnEveryRouteTests {
    static let token = "route-table-admin-token"
    /// GET-only without the token (docs/admin-api.md); any other route open is a failure.
    static let openReads: Set<String> = [AdminRoutes.healthPath, "/__admin/", "/__admin/dashboard.css", "/__admin/dashboard.js"]

    @Test func everyAdminRouteButHealthNeedsTheToken() throws {
        let logs = CapturedLogs(level: .warning)
        let store = try StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        let emulator = Emulator(defaultState: store, plugins: EmulatedAPIs.plugins, adminAccess: .token(Self.token), logger: logs.logger)
        let service = RostiService(emulator: emulator)
        let server = try HTTPServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, name: "rosti"),
            responder: emulator.responder(for: service), errorRenderer: service.errorRenderer, logger: logs.logger)
        server.start()
        defer { server.shutdown(gracePeriod: .seconds(1)) }

        let routes = emulator.adminRouter(for: .rosti).routes
        #expect(routes.count >= 20)
        #expect(routes.contains { $0.pattern == "/__admin/jobs/{id}/complete" }, "the service's admin routes are in the table")
        func state() throws -> NSDictionary {
            let document = try JSONSerialization.jsonObject(with: store.exportState()) as? [String: Any] ?? [:]
            return document.filter { $0.key != "exported_at" } as NSDictionary
        }
        let stateBefore = try state()
        for route in routes {
            let path = route.pattern.replacingOccurrences(of: "{id}", with: "4101").replacingOccurrences(of: "{name}", with: "probe")
            let isOpenRead = route.method == .get && Self.openReads.contains(path)
            for authorization in [nil, "Bearer not-\(Self.token)", "Token \(Self.token)", "Bearer \(Self.token.dropLast())", "Bearer"] {
                // Open reads are static files; the tenant check is for guarded calls.
                var head = "\(route.method.rawValue) \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                if !isOpenRead { head += "X-Rostra-Tenant: probe\r\n" }
                if let authorization { head += "Authorization: \(authorization)\r\n" }
                head += "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                let client = try RawClient(port: server.port)
                try client.send(head)
                let answer = try client.readResponse(head: route.method == .head)
                let expected = isOpenRead ? 200 : 401
                #expect(answer.status == expected, "\(route.method.rawValue) \(path) with \(authorization ?? "nothing"): \(answer.status)")
            }
        }
        #expect(emulator.tenants.existingTenant(named: "probe") == nil, "an unauthenticated call made a tenant")
        #expect(try state() == stateBefore)
        #expect(logs.messages.isEmpty)
    }
}
