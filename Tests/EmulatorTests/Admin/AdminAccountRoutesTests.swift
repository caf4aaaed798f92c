import Foundation
import JSON
import Testing

@testable import Emulator
import TestSupport

/// `POST /__admin/accounts`: credentials made on the fly, in the calling tenant's state.
@Suite struct AdminAccountRoutesTests {
    @Test func aRostiAccountComesWithATokenAndADefaultCompanyNamedAfterIt() throws {
        let harness = try ControlPlaneHarness()
        let created = try harness.admin("POST", "accounts", json: ["api": "rosti", "email": "ci@example.test", "name": "CI Bot"])
        #expect(created.status == 201)
        let token = try #require(created["token"]?.stringValue)
        #expect(token.count == 40 && token.allSatisfy { $0.isLetter || $0.isNumber })
        #expect(created["authorization"] == .string("Token \(token)"))
        #expect(created["company"]?.objectValue?["name"] == "CI Bot")
        let accountID = try #require(created["id"]?.numberValue)
        let companyID = try #require(created["company"]?.objectValue?["id"]?.numberValue)

        let row = try harness.emulator.defaultTenant.state.database.read { conn in
            try conn.fetchOne(
                """
                SELECT a.email, a.token, c.name AS company, m.is_default FROM rosti_accounts a
                JOIN rosti_memberships m ON m.account_id = a.id JOIN rosti_companies c ON c.id = m.company_id WHERE a.id = ?
                """, [Int64(accountID)])
        }
        let found = try #require(row)
        #expect(try found["email"] as String == "ci@example.test")
        #expect(try found["token"] as String == token)
        #expect(try found["company"] as String == "CI Bot")
        #expect(try found["is_default"] as Int64 == 1)
        #expect(Double(try harness.emulator.defaultTenant.state.database.read {
            try $0.fetchValue(Int64.self, "SELECT company_id FROM rosti_memberships WHERE account_id = ?", [Int64(accountID)])
        } ?? 0) == companyID)
    }

    @Test func everythingButTheAPIIsMadeUpWhenLeftOut() throws {
        let harness = try ControlPlaneHarness()
        let one = try harness.admin("POST", "accounts", json: ["api": "rosti"])
        let two = try harness.admin("POST", "accounts", json: ["api": "rosti"])
        #expect(one.status == 201 && two.status == 201)
        #expect(one["email"] != two["email"])
        #expect(one["token"] != two["token"])

        let user = try harness.admin("POST", "accounts", json: ["api": "rosa"])
        #expect(user.status == 201)
        let uname = try #require(user["uname"]?.stringValue)
        let password = try #require(user["password"]?.stringValue)
        #expect(user["role"] == "user")
        #expect(user["authorization"] == .string("Basic " + Data("\(uname):\(password)".utf8).base64EncodedString()))
    }

    @Test func aRosaUserIsStoredWithWhatWasAskedFor() throws {
        let harness = try ControlPlaneHarness()
        let created = try harness.admin("POST", "accounts", tenant: "t1", json: ["api": "rosa", "uname": "builder", "password": "s3cret", "role": "admin"])
        #expect(created.status == 201)
        #expect(created["tenant"] == "t1")
        let stored = try harness.tenant("t1").state.database.read {
            try $0.fetchValue(String.self, "SELECT password FROM rosa_users WHERE uname = 'builder' AND role = 'admin'")
        }
        #expect(stored == "s3cret")
        // Only in the tenant that asked.
        #expect(try harness.emulator.defaultTenant.state.database.read {
            try $0.fetchValue(Int.self, "SELECT count(*) FROM rosa_users WHERE uname = 'builder'")
        } == 0)
    }

    static let refusals: [(JSONValue, Int, String)] = [
        ([:], 400, "api"),
        (["api": "ftp"], 400, "api"),
        (["api": "rosti", "email": "not-an-address"], 400, "email"),
        (["api": "rosti", "token": "short"], 400, "token"),
        (["api": "rosti", "name": " "], 400, "name"),
        (["api": "rosti", "uname": "x"], 400, "uname"),
        (["api": "rosti", "email": "demo@rostra.local"], 409, "email"),
        (["api": "rosti", "token": "rostidemo0000000000000000000000000000001"], 409, "token"),
        (["api": "rosa", "uname": "a:b"], 400, "uname"),
        (["api": "rosa", "role": "root"], 400, "role"),
        (["api": "rosa", "uname": "demo", "email": "fresh@rostra.local"], 409, "uname"),
    ]

    @Test(arguments: refusals)
    func badOrTakenCredentialsAreRefusedNamingTheFieldAndNothingIsCreated(body: JSONValue, status: Int, field: String) throws {
        let harness = try ControlPlaneHarness()
        let counts = { try harness.emulator.defaultTenant.state.database.read { conn in
            try [conn.fetchValue(Int.self, "SELECT count(*) FROM rosti_accounts"), conn.fetchValue(Int.self, "SELECT count(*) FROM rosti_companies"),
                 conn.fetchValue(Int.self, "SELECT count(*) FROM rosa_users")]
        } }
        let before = try counts()
        let refused = try harness.admin("POST", "accounts", json: body)
        #expect(refused.status == status)
        #expect(refused["field"] == .string(field))
        #expect(try counts() == before)
    }
}
