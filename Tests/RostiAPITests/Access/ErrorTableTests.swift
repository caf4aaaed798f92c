import Emulator
import Foundation
import Testing

@testable import RostiAPI

/// Every row of the reference's error table, in English and in Czech, byte for byte, over
/// real HTTP.
@Suite struct ErrorTableTests {
    struct Row: Sendable, CustomStringConvertible {
        let description: String
        let method: String
        let path: String
        let token: String?
        var authorization: String? = nil
        var body: String? = nil
        var contentType: String? = "application/json"
        let status: Int
        let english: String
        let czech: String
        var header: (name: String, value: String)? = nil
    }

    static let rows: [Row] = [
        Row(description: "no auth header", method: "GET", path: "/api/v1/companies/", token: nil, status: 401,
            english: #"{"detail":"Authentication credentials were not provided."}"#,
            czech: #"{"detail":"Nebyly zadány přihlašovací údaje."}"#, header: ("WWW-Authenticate", "Token")),
        Row(description: "another scheme", method: "GET", path: "/api/v1/1/apps/", token: nil, authorization: "Basic ZGVtbzpkZW1v",
            status: 401, english: #"{"detail":"Authentication credentials were not provided."}"#,
            czech: #"{"detail":"Nebyly zadány přihlašovací údaje."}"#, header: ("WWW-Authenticate", "Token")),
        Row(description: "unknown token", method: "GET", path: "/api/v1/1/apps/", token: "rostidemo0000000000000000000000000000099",
            status: 401, english: #"{"detail":"Invalid token."}"#, czech: #"{"detail":"Chybný token."}"#,
            header: ("WWW-Authenticate", "Token")),
        Row(description: "token keyword alone", method: "GET", path: "/api/v1/companies/", token: nil, authorization: "Token",
            status: 401, english: #"{"detail":"Invalid token header. No credentials provided."}"#,
            czech: #"{"detail":"Chybná hlavička tokenu. Nebyly zadány přihlašovací údaje."}"#),
        Row(description: "token with a space", method: "GET", path: "/api/v1/companies/", token: nil, authorization: "Token a b",
            status: 401, english: #"{"detail":"Invalid token header. Token string should not contain spaces."}"#,
            czech: #"{"detail":"Chybná hlavička tokenu. Přihlašovací údaje by neměly obsahovat mezery."}"#),
        Row(description: "another account's company", method: "GET", path: "/api/v1/3/apps/", token: SeedTokens.demo,
            status: 403, english: #"{"detail":"You do not have permission to perform this action."}"#,
            czech: #"{"detail":"K této akci nemáte oprávnění."}"#),
        Row(description: "a company that does not exist", method: "GET", path: "/api/v1/999/apps/", token: SeedTokens.demo,
            status: 403, english: #"{"detail":"You do not have permission to perform this action."}"#,
            czech: #"{"detail":"K této akci nemáte oprávnění."}"#),
        Row(description: "object not found", method: "GET", path: "/api/v1/1/apps/1204/", token: SeedTokens.demo,
            status: 404, english: #"{"detail":"Not found."}"#, czech: #"{"detail":"Nenalezeno."}"#),
        Row(description: "path without the trailing slash", method: "GET", path: "/api/v1/1/apps", token: SeedTokens.demo,
            status: 404, english: #"{"detail":"Not found."}"#, czech: #"{"detail":"Nenalezeno."}"#),
        Row(description: "wrong method", method: "PATCH", path: "/api/v1/1/apps/", token: SeedTokens.demo, body: "{}",
            status: 405, english: #"{"detail":"Method \"PATCH\" not allowed."}"#, czech: #"{"detail":"Metoda \"PATCH\" není povolena."}"#,
            header: ("Allow", "GET, HEAD, POST, OPTIONS")),
        Row(description: "body not JSON", method: "POST", path: "/api/v1/1/apps/", token: SeedTokens.demo, body: "name=demo",
            status: 400, english: #"{"detail":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}"#,
            czech: #"{"detail":"Chyba parsování JSON - Expecting value: line 1 column 1 (char 0)"}"#),
        Row(description: "validation", method: "POST", path: "/api/v1/1/apps/", token: SeedTokens.demo, body: "{}",
            status: 400, english: #"{"message":"validation error","errors":{"name":["This field is required."]}}"#,
            czech: #"{"message":"validation error","errors":{"name":["Toto pole je vyžadováno."]}}"#),
        Row(description: "null", method: "POST", path: "/api/v1/1/apps/", token: SeedTokens.demo, body: #"{"name": null}"#,
            status: 400, english: #"{"message":"validation error","errors":{"name":["This field may not be null."]}}"#,
            czech: #"{"message":"validation error","errors":{"name":["Toto pole nesmí být prázdné (null)."]}}"#),
        Row(description: "wrong content type", method: "POST", path: "/api/v1/1/apps/", token: SeedTokens.demo, body: "name=demo",
            contentType: "application/x-www-form-urlencoded", status: 415,
            english: #"{"detail":"Unsupported media type \"application/x-www-form-urlencoded\" in request."}"#,
            czech: #"{"detail":"Nepodporovaný media type \"application/x-www-form-urlencoded\" v požadavku."}"#),
    ]

    func send(_ row: Row, language: String?, to server: RostiTestServer) throws -> RawResponse {
        var headers: [(String, String)] = []
        if let authorization = row.authorization { headers.append(("Authorization", authorization)) }
        return try server.send(row.method, row.path, token: row.token, language: language, json: row.body,
                               contentType: row.contentType, headers: headers)
    }

    @Test(arguments: rows, [Language.en, .cs])
    func inBothLanguages(_ row: Row, _ language: Language) throws {
        let server = try RostiTestServer()
        let response = try send(row, language: language == .en ? "en" : "cs-CZ,cs;q=0.9", to: server)
        #expect(response.status == row.status)
        #expect(response.text == (language == .en ? row.english : row.czech))
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.headers["Content-Language"] == language.rawValue)
        if let header = row.header { #expect(response.headers[header.name] == header.value) }
    }

    @Test func withoutAcceptLanguageTheConfiguredLanguageAnswers() throws {
        let server = try RostiTestServer()
        let row = Self.rows[0]
        #expect(try send(row, language: nil, to: server).text == row.czech)
        server.emulator.settings.update { $0.language = "en" }
        #expect(try send(row, language: nil, to: server).text == row.english)
        #expect(try send(row, language: "cs", to: server).text == row.czech)
    }

    /// DRF checks the token and the company before the method: a stranger's wrong method
    /// is 401, another account's is 403, and only the company's own account learns 405.
    @Test func accessIsCheckedBeforeTheMethod() throws {
        let server = try RostiTestServer()
        #expect(try server.send("PATCH", "/api/v1/1/apps/", token: nil).status == 401)
        #expect(try server.send("PATCH", "/api/v1/1/apps/", token: SeedTokens.other).status == 403)
        #expect(try server.send("PUT", "/api/v1/companies/", token: "nosuchtoken").status == 401)
        #expect(try server.send("PUT", "/api/v1/companies/").status == 405)
        #expect(try server.send("POST", "/api/v1/1/apps/1201/").headers["Allow"] == "GET, HEAD, PUT, PATCH, DELETE, OPTIONS")
        #expect(try server.send("DELETE", "/api/v1/1/jobs/4101/").status == 405)
    }

    @Test func idsThatAreNotNumbersNameNothing() throws {
        let server = try RostiTestServer()
        // The company segment is part of the URL pattern: 404 before authentication.
        #expect(try server.send("GET", "/api/v1/abc/apps/", token: nil).status == 404)
        // An object id is looked up by the view: authentication first.
        #expect(try server.send("GET", "/api/v1/1/apps/abc/", token: nil).status == 401)
        #expect(try server.send("GET", "/api/v1/1/apps/abc/").status == 404)
        #expect(try server.send("GET", "/api/v1/1/apps/99999999999999999999/").status == 404)
    }

    @Test func theEngineRefusalsAreRenderedInTheDefaultLanguage() throws {
        let server = try RostiTestServer()
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.text == #"{"detail":"Neplatný formát požadavku."}"#)
    }

    @Test func maintenanceAnswers503InDRFsWords() throws {
        let server = try RostiTestServer()
        server.emulator.maintenance.set(.rosti, on: true)
        let response = try server.get("/api/v1/companies/")
        #expect(response.status == 503)
        #expect(response.text == #"{"detail":"Service temporarily unavailable, try again later."}"#)
    }
}

/// Every company-scoped route refuses another account and an anonymous caller; generated
/// from the route table, so a new route cannot forget its checks.
@Suite struct EveryRouteIsScopedTests {
    static let scopedEndpoints = RostiEndpoints.all.filter { $0.path.contains("{company_id}") }

    static func concretePath(_ endpoint: Endpoint, company: Int) -> String {
        endpoint.path.replacingOccurrences(of: "{company_id}", with: String(company)).replacingOccurrences(of: "{id}", with: "1201")
    }

    @Test func everyScopedRouteIsInTheTable() {
        #expect(Self.scopedEndpoints.count == RostiEndpoints.all.count - 1)
    }

    @Test(arguments: scopedEndpoints.indices)
    func anotherAccountIsRefused(_ index: Int) throws {
        let endpoint = Self.scopedEndpoints[index]
        let server = try RostiTestServer()
        let before = try server.tenant.state.exportState()
        let response = try server.send(endpoint.method.rawValue, Self.concretePath(endpoint, company: 1), token: SeedTokens.other,
                                       json: endpoint.method == .get || endpoint.method == .delete ? nil : #"{"name": "x", "action": "stop"}"#)
        #expect(response.status == 403, "\(endpoint.name)")
        #expect(response.text == #"{"detail":"You do not have permission to perform this action."}"#)
        #expect(try stateTables(server) == stateTables(before), "\(endpoint.name) changed the state")
    }

    @Test(arguments: RostiEndpoints.all.indices)
    func anonymousCallersAreRefused(_ index: Int) throws {
        let endpoint = RostiEndpoints.all[index]
        let server = try RostiTestServer()
        let response = try server.send(endpoint.method.rawValue, Self.concretePath(endpoint, company: 1), token: nil)
        #expect(response.status == 401, "\(endpoint.name)")
        #expect(response.headers["WWW-Authenticate"] == "Token")
    }

    func stateTables(_ server: RostiTestServer) throws -> String {
        try stateTables(server.tenant.state.exportState())
    }

    /// The exported tables without the export's own time stamp.
    func stateTables(_ export: Data) throws -> String {
        String(decoding: export, as: UTF8.self).split(separator: "\n").filter { !$0.contains("exported_at") }.joined(separator: "\n")
    }
}
