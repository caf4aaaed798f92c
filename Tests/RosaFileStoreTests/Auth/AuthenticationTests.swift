import Foundation
import Testing

@testable import RosaFileStore
import TestSupport

/// Basic authentication with a login, an email or a token (reference "Authentication"),
/// through `GET /api/v1/check`, the endpoint that only checks credentials.
@Suite struct AuthenticationTests {
    static let signIn = #"{"error": "You need to sign in or sign up before continuing."}"#
    static let invalid = #"{"error": "Invalid email or password."}"#

    @Test(arguments: [
        Auth.basic("demo", "demo-password"),
        Auth.basic("demo@rostra.local", "demo-password"),
        Auth.basic("DEMO@Rostra.Local", "demo-password"),  // emails compare case-insensitively
        Auth.basic(Seeded.demoToken, ""),
        Auth.basic("admin", "admin-password"),
        "basic " + Data("other:other-password".utf8).base64EncodedString(),  // the scheme is case-insensitive
    ])
    func acceptedCredentials(_ authorization: String) throws {
        let response = try RosaTestServer().get("/api/v1/check", [("Authorization", authorization)])
        #expect(response.status == 200)
        #expect(response.text == "true")
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(response.headers["ETag"] != nil)
    }

    @Test(arguments: [
        Auth.basic("demo", "wrong"),
        Auth.basic("demo", ""),  // a login is not a token
        Auth.basic("Demo", "demo-password"),  // logins are case-sensitive
        Auth.basic(Seeded.demoToken, "something"),  // a token goes with an empty password
        Auth.basic("nobody", "x"),
        Auth.basic("", ""),
        "Basic !!!not-base64!!!",
        "Basic " + Data("no-colon".utf8).base64EncodedString(),
    ])
    func refusedCredentials(_ authorization: String) throws {
        let response = try RosaTestServer().get("/api/v1/check", [("Authorization", authorization)])
        #expect(response.status == 401)
        #expect(response.text == Self.invalid)
        #expect(response.headers["WWW-Authenticate"] == #"Basic realm="Application""#)
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
    }

    @Test(arguments: [nil, "Token " + Seeded.demoToken, "Bearer abc"])
    func noBasicCredentialsAsksToSignIn(_ authorization: String?) throws {
        let headers = authorization.map { [("Authorization", $0)] } ?? []
        let response = try RosaTestServer().get("/api/v1/check", headers)
        #expect(response.status == 401)
        #expect(response.text == Self.signIn)
        #expect(response.headers["WWW-Authenticate"] == #"Basic realm="Application""#)
    }

    /// Who a credential names is remembered while the data is unchanged
    /// (`RosaAuthenticationMiddleware.rememberedCaller`); any change is seen at once.
    @Test func aPasswordChangedBehindTheAPIsBackTakesEffectAtOnce() throws {
        let server = try RosaTestServer()
        let demo = [("Authorization", Auth.demo)]
        #expect(try server.get("/api/v1/check", demo).status == 200)
        #expect(try server.get("/api/v1/check", demo).status == 200)
        try server.state.database.write { try $0.execute("UPDATE rosa_users SET password = 'changed' WHERE uname = 'demo'") }
        #expect(try server.get("/api/v1/check", demo).status == 401)
        #expect(try server.get("/api/v1/check", [("Authorization", Auth.basic("demo", "changed"))]).status == 200)
    }

    @Test func openEndpointsIgnoreBadCredentials() throws {
        let server = try RosaTestServer()
        let wrong = [("Authorization", Auth.basic("demo", "wrong"))]
        #expect(try server.get("/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)", wrong).status == 200)
        #expect(try server.get("/download/\(Seeded.helloSHA1)", wrong).status == 200)
    }

    @Test func basicCredentialsParsing() {
        #expect(BasicCredentials.parse(authorization: nil) == .absent)
        #expect(BasicCredentials.parse(authorization: "Digest x") == .absent)
        #expect(BasicCredentials.parse(authorization: "Basic") == .absent)
        #expect(
            BasicCredentials.parse(authorization: Auth.basic("a", "b:c"))
                == .credentials(BasicCredentials(userName: "a", password: "b:c")))
        #expect(
            BasicCredentials.parse(authorization: "  BASIC   " + Data("u:".utf8).base64EncodedString() + " ")
                == .credentials(BasicCredentials(userName: "u", password: "")))
        #expect(BasicCredentials.parse(authorization: "Basic ###") == .malformed)
    }
}
