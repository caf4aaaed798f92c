import Foundation
import TestSupport
import XCTest

/// docs/ci.md's XCTest example, as written there but for naming the built executable (users
/// set ROSTRA_BINARY or put rostra on PATH): the helper used from XCTest's own life cycle.
final class UploadTests: XCTestCase {
    var rostra: RostraServer!

    override func setUp() async throws {
        rostra = try await RostraServer.start(executable: try BuiltProducts.executable(named: "rostra"))
    }

    override func tearDown() {
        XCTAssertEqual(rostra.stop(), 0)
    }

    func testCheckWithTheSeedUser() async throws {
        let tenant = rostra.makeTenant()
        let basic = Data("demo:demo-password".utf8).base64EncodedString()
        let (status, _) = try await rostra.send(
            "GET", rostra.rosaURL.appendingPathComponent("api/v1/check"),
            headers: tenant.headers.merging(["Authorization": "Basic \(basic)"]) { $1 })
        XCTAssertEqual(status, 200)
        try await rostra.delete(tenant)
    }
}
