import Testing

@testable import Emulator
import TestSupport

/// `GET /__admin/`: a page for people, with everything clients sent escaped.
@Suite struct AdminDashboardTests {
    @Test func showsTheTenantsWorldWithClientTextEscaped() throws {
        let harness = try ControlPlaneHarness()
        try harness.admin("POST", "faults", tenant: "shown", json: ["path": "^/never", "status": 503])
        try harness.send("GET", "/%3Cscript%3E?x=<b>", tenant: "shown")
        let page = try harness.admin("GET", "", tenant: "shown")
        #expect(page.status == 200)
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("tenant <code>shown</code>"))
        #expect(page.text.contains("&quot;status&quot;:503"))
        #expect(page.text.contains("rosti_companies"))
        #expect(page.text.contains("?x=&lt;b&gt;"))
        #expect(!page.text.contains("<b>\""))
        #expect(!page.text.contains("x=<b>"))
    }

    @Test func anotherTenantIsShownByQueryButNeverMade() throws {
        let harness = try ControlPlaneHarness()
        try harness.send("GET", "/hello", tenant: "other")
        #expect(try harness.admin("GET", "?tenant=other").text.contains("tenant <code>other</code>"))
        #expect(try harness.admin("GET", "?tenant=nobody").status == 404)
        #expect(harness.emulator.tenants.existingTenant(named: "nobody") == nil)
        #expect(try harness.admin("GET", "?tenant=*").status == 400)
    }
}
