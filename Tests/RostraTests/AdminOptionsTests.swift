import Foundation
import Testing
import TestSupport

/// `--admin-token` and `--no-admin` as a user starts them, flags and environment.
@Suite struct AdminOptionsTests {
    let common = ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory, "--log-level", "error"]

    @Test func anAdminTokenGuardsTheAdminAPIButNotHealth() throws {
        let scratch = try TemporaryDirectory()
        let process = try RostraProcess(common + ["--admin-token", "let-me-in"], directory: scratch.url)
        let ports = try process.waitForBanner()
        #expect(process.banner.contains("Admin API            token required"))
        #expect(try RostraProcess.get(port: ports.rosti, path: "/__admin/settings").0 == 401)
        #expect(try RostraProcess.get(port: ports.rosa, path: "/__admin/settings", headers: ["Authorization": "Bearer let-me-in"]).0 == 200)
        #expect(try RostraProcess.get(port: ports.rosa, path: "/__admin/health").0 == 200)
        #expect(process.stop() == 0)
    }

    @Test func theEnvironmentTurnsTheAdminAPIOff() throws {
        let scratch = try TemporaryDirectory()
        let process = try RostraProcess(common, environment: ["ROSTRA_NO_ADMIN": "1"], directory: scratch.url)
        let ports = try process.waitForBanner()
        #expect(process.banner.contains("Admin API            off"))
        #expect(try RostraProcess.get(port: ports.rosti, path: "/__admin/settings").0 == 404)
        #expect(try RostraProcess.get(port: ports.rosti, path: "/__admin/health").0 == 200)
        #expect(process.stop() == 0)
    }

    @Test func bothAtOnceOrAnUnsendableTokenStopStartUp() throws {
        let scratch = try TemporaryDirectory()
        let (status, _, errors) = try RostraProcess.run(common + ["--no-admin", "--admin-token", "x"], directory: scratch.url)
        #expect(status != 0)
        #expect(errors.contains("exclude each other"))
        let (badStatus, _, badErrors) = try RostraProcess.run(common, environment: ["ROSTRA_ADMIN_TOKEN": "two words"], directory: scratch.url)
        #expect(badStatus != 0)
        #expect(badErrors.contains("printable ASCII without spaces"))
    }
}
