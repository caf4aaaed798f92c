import Testing

@testable import RostiAPI
import TestSupport

/// The admin dashboard's script, served by a server with the Rosti module, calls only admin
/// routes that server has — the jobs and engines calls included, which the Rosti module adds.
@Suite struct DashboardCallsOnRostiTests {
    @Test func everyCallOfTheDashboardIsARouteOfTheServer() throws {
        let server = try RostiTestServer()
        let script = try server.send("GET", "/__admin/dashboard.js", token: nil)
        #expect(script.status == 200)
        let routes = Set(server.emulator.adminRouter(for: .rosti).routes.map { DashboardScriptFacts.shape($0.method.rawValue, $0.pattern) })
        let calls = DashboardScriptFacts.calls(in: script.text)
        for expected in [
            "GET /__admin/jobs", "POST /__admin/jobs/{}/complete", "POST /__admin/jobs/{}/fail", "GET /__admin/overview",
            "GET /__admin/engines", "POST /__admin/engines/{}/down", "POST /__admin/engines/{}/up",
        ] {
            #expect(calls.contains(expected), "the dashboard does not call \(expected)")
        }
        for call in calls {
            #expect(routes.contains(call), "the dashboard calls \(call), the server has no such route")
        }
    }
}
