import Testing

@testable import RostiAPI

/// `Accept-Language` as hostile clients send it: whatever the header holds, negotiation
/// answers a language and never traps.
@Suite struct AcceptLanguageEdgeTests {
    @Test(arguments: [
        (";", Language.cs), (";;;", .cs), ("xx;q=abc, ,,;", .cs), (",", .cs), ("en;", .en), (";q=1, en", .en),
        ("en;q=nan", .cs), ("en;q=-1, cs;q=0.1", .cs), ("cs;q=0.5, en;q=inf", .en), ("-", .cs), ("en-", .en),
    ])
    func malformedHeadersFallBackWithoutTrapping(header: String, expected: Language) {
        #expect(Language.negotiate(acceptLanguage: header, default: "cs") == expected)
    }

    @Test func aRequestWithABareSemicolonIsAnsweredInTheDefaultLanguage() throws {
        let server = try RostiTestServer()
        let answer = try server.send("GET", "/api/v1/999/apps/", language: ";")
        #expect(answer.status == 403)
        #expect(answer.text.contains("K této akci nemáte oprávnění."))
        #expect(try server.get("/api/v1/companies/").status == 200, "the server is still there")
    }
}
