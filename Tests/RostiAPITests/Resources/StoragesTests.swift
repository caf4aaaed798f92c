import Store
import Testing

@testable import RostiAPI

@Suite struct StoragesTests {
    func storedPassword(_ server: RostiTestServer, _ id: Int64) throws -> String? {
        try server.tenant.state.database.read { try $0.fetchValue(String.self, "SELECT password FROM rosti_storages WHERE id = ?", [id]) }
    }

    @Test func listAndReadNeverShowThePassword() throws {
        let server = try RostiTestServer()
        #expect(try server.get("/api/v1/1/storages/1894/").text == """
            {"id":1894,"engine":"mariadb","name":"blog_1894","username":"blog_1894","hostname":"store5.rosti.cz",\
            "port":3306,"note":"blog","date":"2024-01-15T10:20:00+01:00"}
            """)
        let list = try server.get("/api/v1/1/storages/")
        #expect(!list.text.contains("password"))
        #expect(try parsedBody(list).items.map { $0["id"]?.int } == [1894, 1895])
        #expect(try server.get("/api/v1/1/storages/1896/").status == 404)
    }

    @Test(arguments: [("mariadb", "store5.rosti.cz", 3306), ("pgsql", "store3.rosti.cz", 5432)])
    func bothEnginesGetGeneratedNames(_ engine: String, _ host: String, _ port: Int64) throws {
        let server = try RostiTestServer()
        let storage = try server.json("POST", "/api/v1/1/storages/",
                                      body: #"{"engine": "\#(engine)", "password": "s3cret-pass", "note": "Quick start – ČSOB"}"#)
        #expect(storage["name"] == "quick_star_1898")
        #expect(storage["username"] == "quick_star_1898")
        #expect(storage["hostname"] == .string(host))
        #expect(storage["port"] == .integer(port))
        #expect(storage["note"] == "Quick start – ČSOB")
        #expect(storage["password"] == nil)
        #expect(try storedPassword(server, 1898) == "s3cret-pass")
    }

    @Test func withoutANoteTheCompanyNamesTheStorage() throws {
        let server = try RostiTestServer()
        #expect(try server.json("POST", "/api/v1/2/storages/", body: #"{"engine": "pgsql", "password": "12345678"}"#)["name"]
            == "pekarna_no_1898")
        #expect(Storages.slug(of: "!!!") == "db")
        #expect(Storages.slug(of: "Žluťoučký kůň") == "zlutoucky")
    }

    @Test func creationRules() throws {
        let server = try RostiTestServer()
        #expect(try server.send("POST", "/api/v1/1/storages/", json: "{}").text
            == #"{"message":"validation error","errors":{"engine":["This field is required."],"password":["This field is required."]}}"#)
        #expect(try server.send("POST", "/api/v1/1/storages/", json: #"{"engine": "oracle", "password": "short"}"#).text
            == #"{"message":"validation error","errors":{"engine":["\"oracle\" is not a valid choice."],"password":["Ensure this field has at least 8 characters."]}}"#)
        #expect(try server.send("POST", "/api/v1/1/storages/", language: "cs", json: #"{"engine": "pgsql", "password": "short"}"#).text
            == #"{"message":"validation error","errors":{"password":["Zkontrolujte, že toto pole obsahuje alespoň 8 znaků."]}}"#)
        #expect(try parsedBody(server.get("/api/v1/1/storages/")).items.count == 2, "nothing was written")
    }

    @Test func thePasswordChangesAnyTime() throws {
        let server = try RostiTestServer()
        let answer = try server.send("PUT", "/api/v1/1/storages-password/1894/", json: #"{"password": "brand-new-password"}"#)
        #expect(answer.status == 200)
        #expect(try parsedBody(answer)["name"] == "blog_1894")
        #expect(!answer.text.contains("brand-new"))
        #expect(try storedPassword(server, 1894) == "brand-new-password")
        #expect(try server.send("PUT", "/api/v1/1/storages-password/1894/", json: #"{"password": "x"}"#).text
            == #"{"message":"validation error","errors":{"password":["Ensure this field has at least 8 characters."]}}"#)
        #expect(try server.send("PUT", "/api/v1/1/storages-password/1894/", json: "{}").status == 400)
        #expect(try storedPassword(server, 1894) == "brand-new-password")
        #expect(try server.send("PUT", "/api/v1/1/storages-password/1897/", json: #"{"password": "12345678"}"#).status == 404)
    }

    @Test func patchChangesTheNoteButNotTheEngine() throws {
        let server = try RostiTestServer()
        let storage = try server.json("PATCH", "/api/v1/1/storages/1895/", body: #"{"note": "reports", "engine": "mariadb"}"#)
        #expect(storage["note"] == "reports")
        #expect(storage["engine"] == "pgsql")
        #expect(storage["name"] == "dana_demo_1895")
    }

    @Test func deleteAnswersAnEmptyObject() throws {
        let server = try RostiTestServer()
        #expect(try server.send("DELETE", "/api/v1/1/storages/1895/").text == "{}")
        #expect(try server.get("/api/v1/1/storages/1895/").status == 404)
    }
}
