import Testing

@testable import Emulator
import TestSupport

/// `GET /__admin/`, `/__admin/dashboard.css`, `/__admin/dashboard.js`: the dashboard's
/// files, which hold no state, and what they promise about escaping and access.
@Suite struct AdminDashboardTests {
    @Test func thePageItsStyleAndScriptAreServedWithTheirTypesOnBothPorts() throws {
        let harness = try ControlPlaneHarness()
        for api in EmulatedAPI.allCases {
            let page = try harness.admin("GET", "", api: api)
            #expect(page.status == 200)
            #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
            #expect(page.headers["Content-Security-Policy"]?.contains("script-src 'self'") == true)
            #expect(page.headers["X-Content-Type-Options"] == "nosniff")
            #expect(page.text.contains(#"<link rel="stylesheet" href="/__admin/dashboard.css">"#))
            #expect(page.text.contains(#"<script src="/__admin/dashboard.js" defer></script>"#))

            let style = try harness.admin("GET", "dashboard.css", api: api)
            #expect(style.status == 200)
            #expect(style.headers["Content-Type"] == "text/css; charset=utf-8")
            #expect(style.text == DashboardStyle.css)

            let script = try harness.admin("GET", "dashboard.js", api: api)
            #expect(script.status == 200)
            #expect(script.headers["Content-Type"] == "text/javascript; charset=utf-8")
            #expect(script.text == DashboardScript.javaScript)
        }
    }

    /// The controls the issue asks for, by the ids the script and the browser test use.
    @Test func thePageHasEveryControl() throws {
        let page = try ControlPlaneHarness().admin("GET", "").text
        let controls = [
            "tenant-select", "tenant-new", "tenant-reset", "tenant-delete", "token-form",
            "clock-now", "clock-advance-minute", "clock-advance-hour", "clock-advance-day", "clock-advance-form", "clock-freeze", "clock-real",
            "maintenance-rosti", "maintenance-rosa", "settings-form",
            "fault-form", "fault-add", "faults-clear", "faults-table", "jobs-table",
            "rosti-accounts", "rosti-companies", "rosti-apps", "rosti-storages", "rosti-snapshots", "rosa-users", "rosa-files",
            "journal-filter", "journal-pause", "journal-clear", "journal-table", "api-demo",
        ]
        for id in controls {
            #expect(page.contains("id=\"\(id)\""), "no element \(id)")
        }
        // Every element the script looks up is on the page.
        for id in DashboardScriptFacts.elementIDs(in: DashboardScript.javaScript) {
            #expect(page.contains("id=\"\(id)\""), "the script uses \(id), the page has none")
        }
    }

    /// Clients' paths, headers and bodies reach the page only through the script, which
    /// writes text nodes; the policy forbids inline script, and the page has none.
    @Test func nothingFromClientsCanBecomeMarkup() throws {
        let harness = try ControlPlaneHarness()
        let page = try harness.admin("GET", "").text
        #expect(!page.contains("<script>"))
        #expect(!page.contains("<style>"))
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
            #expect(!DashboardScript.javaScript.contains(sink), "the script uses \(sink)")
        }
        #expect(page.contains("Rostra <span class=\"version\">\(HTMLText.escape(RostraVersion.string))</span>"))
    }

    /// With `--admin-token` the files are served (they tell nothing) and every call they make
    /// still needs the token; the page asks for it.
    @Test func theFilesAreOpenAndTheCallsStayGuarded() throws {
        let harness = try ControlPlaneHarness(adminAccess: .token("s3cret"))
        for file in ["", "dashboard.css", "dashboard.js"] {
            #expect(try harness.admin("GET", file).status == 200, "\(file)")
        }
        for call in ["overview", "tenants", "clock", "requests", "faults", "settings", "maintenance"] {
            #expect(try harness.admin("GET", call).status == 401, "\(call)")
            #expect(try harness.admin("GET", call, headers: ["Authorization": "Bearer s3cret"]).status == 200, "\(call)")
        }
        // Open means read-only: the dashboard's paths take no other method.
        #expect(try harness.admin("POST", "", json: [:]).status == 401)
        #expect(try harness.admin("DELETE", "dashboard.js").status == 401)
        // Nor do the open files make the tenant a request names: only authorised calls may.
        for file in ["", "dashboard.css", "dashboard.js"] {
            #expect(try harness.admin("GET", file, headers: ["X-Rostra-Tenant": "made-by-a-stranger"]).status == 200)
        }
        #expect(harness.emulator.tenants.existingTenant(named: "made-by-a-stranger") == nil)
    }

    @Test func withTheAdminAPIOffThereIsNoDashboard() throws {
        let harness = try ControlPlaneHarness(adminAccess: .disabled)
        for file in ["", "dashboard.css", "dashboard.js"] {
            let answer = try harness.admin("GET", file, api: .rosa)
            #expect(answer.status == 404)
            #expect(answer["renderer"] == "rosa")
        }
    }

    /// Every admin call the script makes exists on this server (the Rosti module's jobs and
    /// engines calls are checked where that module is: RostiAPITests).
    @Test func theScriptCallsOnlyRoutesTheServerHas() throws {
        let harness = try ControlPlaneHarness()
        let routes = Set(harness.emulator.adminRouter(for: .rosa).routes.map { DashboardScriptFacts.shape($0.method.rawValue, $0.pattern) })
        let calls = DashboardScriptFacts.calls(in: DashboardScript.javaScript)
        #expect(calls.count >= 15)
        let rostis = ["GET /__admin/jobs", "POST /__admin/jobs", "GET /__admin/engines", "POST /__admin/engines"]
        for call in calls where !rostis.contains(where: call.hasPrefix) {
            #expect(routes.contains(call), "the script calls \(call), the server has no such route")
        }
    }
}
