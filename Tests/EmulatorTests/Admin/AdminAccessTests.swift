import Testing

@testable import Emulator
import TestSupport

/// `--admin-token` and `--no-admin`.
@Suite struct AdminAccessTests {
    @Test func aTokenGuardsEveryAdminCallButHealth() throws {
        let harness = try ControlPlaneHarness(adminAccess: .token("s3cret-token"))
        let missing = try harness.admin("GET", "settings")
        #expect(missing.status == 401)
        #expect(missing.headers["WWW-Authenticate"] == #"Bearer realm="rostra-admin""#)
        #expect(missing["error"]?.stringValue?.contains("Bearer") == true)
        #expect(try harness.admin("GET", "settings", headers: ["Authorization": "Bearer wrong-token!"]).status == 401)
        #expect(try harness.admin("GET", "settings", headers: ["Authorization": "Bearer s3cret-toke"]).status == 401)
        #expect(try harness.admin("GET", "settings", headers: ["Authorization": "Basic s3cret-token"]).status == 401)
        #expect(try harness.admin("GET", "settings", headers: ["Authorization": "Bearer s3cret-token"]).status == 200)
        #expect(try harness.admin("GET", "settings", headers: ["Authorization": "bearer  s3cret-token"]).status == 200)
        #expect(try harness.admin("GET", "health").status == 200)
        // An unauthenticated call cannot make tenants either.
        #expect(try harness.admin("GET", "clock", tenant: "sneaky").status == 401)
        #expect(harness.emulator.tenants.existingTenant(named: "sneaky") == nil)
        // The API itself is not guarded by the admin token.
        #expect(try harness.send("GET", "/hello").status == 200)
    }

    @Test func withTheAdminAPIOffItsPathsAreTheAPIsUnknownPaths() throws {
        let harness = try ControlPlaneHarness(adminAccess: .disabled)
        #expect(try harness.admin("GET", "health").status == 200)
        for (method, path) in [("GET", "settings"), ("POST", "reset"), ("GET", "openapi.json"), ("GET", "probe-rosa")] {
            let answer = try harness.admin(method, path, api: .rosa)
            #expect(answer.status == 404)
            #expect(answer["renderer"] == "rosa", "the API's own 404, as if the prefix did not exist")
        }
    }

    @Test func theTokenComparisonNeedsTheWholeToken() {
        #expect(AdminAccessMiddleware.presents("abc", in: "Bearer abc"))
        #expect(!AdminAccessMiddleware.presents("abc", in: "Bearer abcd"))
        #expect(!AdminAccessMiddleware.presents("abc", in: "Bearer ab"))
        #expect(!AdminAccessMiddleware.presents("abc", in: "Bearer "))
        #expect(!AdminAccessMiddleware.presents("abc", in: "abc"))
        #expect(!AdminAccessMiddleware.presents("abc", in: nil))
    }
}
