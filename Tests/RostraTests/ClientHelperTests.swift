import Foundation
import Testing
import TestSupport

/// The copyable XCTest helper `clients/swift/RostraServer.swift` (compiled into this
/// target through a symlink, so the file users copy is the one tested), against the built
/// `rostra`.
@Suite struct ClientHelperTests {
    @Test func startsOnFreePortsServesBothAPIsAndTenantsThenStopsCleanly() async throws {
        let server = try await RostraServer.start(
            executable: try RostraProcess.executable(), arguments: ["--seed", RostraProcess.seedDirectory])
        #expect(server.rostiPort > 0 && server.rostiPort != 8000)
        #expect(server.rosaPort > 0 && server.rosaPort != 8001 && server.rosaPort != server.rostiPort)

        let companies = try await server.send(
            "GET", server.rostiURL.appendingPathComponent("api/v1/companies/"),
            headers: ["Authorization": "Token \(RostraServer.rostiToken)"])
        #expect(companies.status == 200)
        #expect(String(decoding: companies.body, as: UTF8.self).contains("Dana Demo"))
        let basic = Data("\(RostraServer.rosaUser.name):\(RostraServer.rosaUser.password)".utf8).base64EncodedString()
        let check = try await server.send("GET", server.rosaURL.appendingPathComponent("api/v1/check"), headers: ["Authorization": "Basic \(basic)"])
        #expect(check.status == 200)

        // An account made in a tenant exists there only.
        let tenant = server.makeTenant()
        let made = try await server.admin("POST", "accounts", json: #"{"api":"rosti","name":"Swift Bot"}"#, tenant: tenant.name)
        let authorization = try #require((try JSONSerialization.jsonObject(with: made) as? [String: Any])?["authorization"] as? String)
        let inTenant = try await server.send(
            "GET", server.rostiURL.appendingPathComponent("api/v1/companies/"),
            headers: tenant.headers.merging(["Authorization": authorization]) { $1 })
        #expect(inTenant.status == 200)
        #expect(String(decoding: inTenant.body, as: UTF8.self).contains("Swift Bot"))
        let outside = try await server.send(
            "GET", server.rostiURL.appendingPathComponent("api/v1/companies/"), headers: ["Authorization": authorization])
        #expect(outside.status == 401)
        try await server.delete(tenant)

        // A reset drops the default tenant's fault rules.
        _ = try await server.admin("POST", "faults", json: #"{"api":"rosa","status":503}"#)
        #expect(try await server.send("GET", server.rosaURL.appendingPathComponent("api/v1/check")).status == 503)
        try await server.reset()
        #expect(try await server.send("GET", server.rosaURL.appendingPathComponent("api/v1/check"), headers: ["Authorization": "Basic \(basic)"]).status == 200)

        let folder = server.folder
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: folder.path), "the temporary database folder is removed")
        #expect(throws: (any Error).self) { try RawClient(port: server.rostiPort) }
    }

    @Test func aRostraThatCannotStartIsReportedWithWhatItSaid() async throws {
        let scratch = try TemporaryDirectory()
        do {
            let server = try await RostraServer.start(executable: try RostraProcess.executable(), arguments: ["--seed", scratch.path("no-seed")])
            server.stop()
            Issue.record("started without a seed")
        } catch let failure as RostraServer.Failure {
            #expect(failure.description.contains("exited with 1 before it was ready"))
            #expect(failure.description.contains("no-seed"), "Rostra's own message is included: \(failure)")
        }
    }
}
