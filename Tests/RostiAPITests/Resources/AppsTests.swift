import Foundation
import Testing

@testable import RostiAPI
import TestSupport

@Suite struct CatalogTests {
    @Test func companiesAreTheAccountsOwn() throws {
        let server = try RostiTestServer()
        #expect(try server.get("/api/v1/companies/").text == #"[{"id":1,"name":"Dana Demo"},{"id":2,"name":"Pekárna Novák s.r.o."}]"#)
        #expect(try server.get("/api/v1/companies/", token: SeedTokens.other).text == #"[{"id":3,"name":"Oskar Other"}]"#)
    }

    @Test func plansAndRuntimes() throws {
        let server = try RostiTestServer()
        let plans = try server.json("GET", "/api/v1/1/plans/").items
        #expect(plans.count == 5)
        #expect(plans[1] == ["id": 3, "name": "Start+", "ram": 512, "disk": 10, "price": 0, "cpu_quota": 50])
        #expect(try server.get("/api/v1/2/runtimes/").text == """
            [{"id":5,"image":"rosti/runtime:2019.11-1","default":false,"show":false},\
            {"id":7,"image":"rosti/runtime:2020.03-1","default":true,"show":true},\
            {"id":8,"image":"rosti/runtime:2021.01-1","default":false,"show":true}]
            """)
    }
}

@Suite struct AppsTests {
    @Test func creatingAnAppFillsInTheDefaults() throws {
        let server = try RostiTestServer()
        let app = try server.json("POST", "/api/v1/1/apps/", body: #"{"name": "clitest"}"#)
        let id = try #require(app["id"]?.int)
        #expect(id == 1205)
        #expect(app == [
            "id": .integer(id), "date": "2026-01-10T13:00:00+01:00", "name": "clitest", "enabled": true,
            "image": "rosti/runtime:2020.03-1", "domains": ["clitest-1205.rostiapp.cz"], "mode": "https+le", "plan": 3,
            "ssh_access": [["hostname": "ssh.rosti.cz", "port": 21205, "username": "app"]], "ssh_keys": [],
            "smtp_username": "1205@rostiapp.cz", "smtp_token": app["smtp_token"]!, "app_port": 8080,
        ])
        #expect(app["smtp_token"]?.text?.count == 32)
        #expect(try server.json("GET", "/api/v1/1/apps/1205/") == app)
        #expect(try server.json("GET", "/api/v1/1/apps/").items.map { $0["id"]?.int } == [1201, 1202, 1205])
    }

    @Test func creatingWithEveryFieldKeepsThem() throws {
        let server = try RostiTestServer()
        let app = try server.json("POST", "/api/v1/2/apps/", body: """
            {"name": "shop.v2", "enabled": "false", "image": "rosti/runtime:2021.01-1", "domains": [" shop.example.cz "],
             "mode": "http", "plan": "4", "ssh_keys": ["ssh-ed25519 AAAA me@host"], "app_port": "3000.0"}
            """)
        #expect(app["enabled"] == false)
        #expect(app["image"] == "rosti/runtime:2021.01-1")
        #expect(app["domains"] == ["shop.example.cz"])
        #expect(app["mode"] == "http")
        #expect(app["plan"] == 4)
        #expect(app["ssh_keys"] == ["ssh-ed25519 AAAA me@host"])
        #expect(app["app_port"] == 3000)
    }

    /// What the official Go client sends back on PUT: every field, read-only ones with
    /// zero values. They are ignored; the rest is applied.
    @Test func putIgnoresReadOnlyFields() throws {
        let server = try RostiTestServer()
        let before = try server.json("GET", "/api/v1/1/apps/1201/")
        let after = try server.json("PUT", "/api/v1/1/apps/1201/", body: """
            {"id": 0, "date": "", "name": "blog2", "enabled": true, "image": "rosti/runtime:2020.03-1",
             "domains": ["blog.dana-demo.cz"], "mode": "https+le", "plan": 4, "ssh_access": null,
             "ssh_keys": [], "smtp_username": "", "smtp_token": "", "app_port": 9999}
            """)
        #expect(after["id"] == 1201)
        #expect(after["date"] == before["date"])
        #expect(after["ssh_access"] == before["ssh_access"])
        #expect(after["smtp_username"] == before["smtp_username"])
        #expect(after["smtp_token"] == before["smtp_token"])
        #expect(after["app_port"] == 8080)
        #expect(after["name"] == "blog2")
        #expect(after["plan"] == 4)
        #expect(after["domains"] == ["blog.dana-demo.cz"])
        #expect(after["ssh_keys"] == [])
    }

    @Test func putNeedsTheNameAndKeepsWhatIsLeftOut() throws {
        let server = try RostiTestServer()
        let missing = try server.send("PUT", "/api/v1/1/apps/1201/", json: #"{"plan": 2}"#)
        #expect(missing.status == 400)
        #expect(missing.text == #"{"message":"validation error","errors":{"name":["This field is required."]}}"#)
        let kept = try server.json("PUT", "/api/v1/1/apps/1201/", body: #"{"name": "blog"}"#)
        #expect(kept["plan"] == 3)
        #expect(kept["domains"] == ["blog-1201.rostiapp.cz", "blog.dana-demo.cz"])
    }

    @Test func patchChangesOnlyWhatIsGiven() throws {
        let server = try RostiTestServer()
        let app = try server.json("PATCH", "/api/v1/1/apps/1202/", body: #"{"enabled": true, "mode": "https+le"}"#)
        #expect(app["name"] == "api_staging")
        #expect(app["enabled"] == true)
        #expect(app["mode"] == "https+le")
        #expect(app["app_port"] == 3000)
        #expect(try server.json("PATCH", "/api/v1/1/apps/1202/", body: "{}") == app)
    }

    @Test func domainsMayNotBeNull() throws {
        let server = try RostiTestServer()
        let response = try server.send("PATCH", "/api/v1/1/apps/1201/", json: #"{"domains": null}"#)
        #expect(response.text == #"{"message":"validation error","errors":{"domains":["This field may not be null."]}}"#)
    }

    @Test func deleteAnswersAnEmptyObject() throws {
        let server = try RostiTestServer()
        let response = try server.send("DELETE", "/api/v1/1/apps/1202/")
        #expect(response.status == 200)
        #expect(response.text == "{}")
        #expect(try server.get("/api/v1/1/apps/1202/").status == 404)
        #expect(try server.send("DELETE", "/api/v1/1/apps/1202/").status == 404)
        // The snapshot of a deleted app keeps its name.
        _ = try server.send("DELETE", "/api/v1/1/apps/1201/")
        #expect(try server.json("GET", "/api/v1/1/snapshots/3101/")["app"] == .some(.null))
        #expect(try server.json("GET", "/api/v1/1/snapshots/3101/")["app_name"] == "blog")
    }

    /// Each field's DRF message, and every failing field named at once.
    @Test func validationNamesEveryFieldInDRFsWords() throws {
        let server = try RostiTestServer()
        let response = try server.send("POST", "/api/v1/1/apps/", json: """
            {"name": "no spaces!", "enabled": "maybe", "image": "nginx", "domains": "a.cz", "mode": "ftp",
             "plan": 99, "ssh_keys": ["ok", true, null, "  "], "app_port": 70000}
            """)
        #expect(response.status == 400)
        #expect(response.text == """
            {"message":"validation error","errors":{"name":["This value does not match the required pattern."],\
            "enabled":["Must be a valid boolean."],"image":["Object with image=nginx does not exist."],\
            "domains":["Expected a list of items but got type \\"str\\"."],"mode":["\\"ftp\\" is not a valid choice."],\
            "plan":["Invalid pk \\"99\\" - object does not exist."],\
            "ssh_keys":{"1":["Not a valid string."],"2":["This field may not be null."],"3":["This field may not be blank."]},\
            "app_port":["Ensure this value is less than or equal to 65535."]}}
            """)
        #expect(try server.json("GET", "/api/v1/1/apps/").items.count == 2, "nothing was written")
    }

    @Test(arguments: [
        (#"{"name": ""}"#, #"{"name":["This field may not be blank."]}"#),
        (#"{"name": "   "}"#, #"{"name":["This field may not be blank."]}"#),
        (#"{"name": true}"#, #"{"name":["Not a valid string."]}"#),
        (#"{"name": "\#(String(repeating: "a", count: 65))"}"#, #"{"name":["Ensure this field has no more than 64 characters."]}"#),
        (#"{"name": "x y\#(String(repeating: "a", count: 64))"}"#,
         #"{"name":["Ensure this field has no more than 64 characters.","This value does not match the required pattern."]}"#),
        (#"{"name": "ok", "plan": true}"#, #"{"plan":["Incorrect type. Expected pk value, received bool."]}"#),
        (#"{"name": "ok", "plan": "abc"}"#, #"{"plan":["Incorrect type. Expected pk value, received str."]}"#),
        (#"{"name": "ok", "plan": ""}"#, #"{"plan":["This field may not be null."]}"#),
        (#"{"name": "ok", "app_port": "x"}"#, #"{"app_port":["A valid integer is required."]}"#),
        (#"{"name": "ok", "app_port": 80.5}"#, #"{"app_port":["A valid integer is required."]}"#),
        (#"{"name": "ok", "app_port": 0}"#, #"{"app_port":["Ensure this value is greater than or equal to 1."]}"#),
        (#"{"name": "ok", "app_port": 123456789012345678901234567890}"#, #"{"app_port":["Ensure this value is less than or equal to 65535."]}"#),
        (#"{"name": "ok", "mode": true}"#, #"{"mode":["\"True\" is not a valid choice."]}"#),
        (#"{"name": "ok", "domains": {"a": 1}}"#, #"{"domains":["Expected a list of items but got type \"dict\"."]}"#),
        (#"{"name": "ok", "image": null}"#, #"{"image":["This field may not be null."]}"#),
        (#"[{"name": "ok"}]"#, #"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#),
        (#"null"#, #"{"non_field_errors":["No data provided"]}"#),
    ])
    func eachFieldsRule(_ body: String, _ errors: String) throws {
        let server = try RostiTestServer()
        let response = try server.send("POST", "/api/v1/1/apps/", json: body)
        #expect(response.status == 400)
        #expect(response.text == #"{"message":"validation error","errors":"# + errors + "}")
    }

    @Test func validationInCzech() throws {
        let server = try RostiTestServer()
        let response = try server.send("POST", "/api/v1/1/apps/", language: "cs", json: #"{"name": "a b", "plan": "x", "app_port": 0}"#)
        #expect(response.text == """
            {"message":"validation error","errors":{"name":["Hodnota v tomto poli neodpovídá požadovanému formátu."],\
            "plan":["Chybný typ. Byl přijat typ str místo hodnoty primárního klíče."],\
            "app_port":["Zkontrolujte, že hodnota je větší nebo rovna 1."]}}
            """)
    }

    @Test func numbersAreAcceptedAsNamesAsDRFDoes() throws {
        let server = try RostiTestServer()
        #expect(try server.json("POST", "/api/v1/1/apps/", body: #"{"name": 2024}"#)["name"] == "2024")
    }

    @Test func bodiesWithoutAContentTypeCarryNoData() throws {
        let server = try RostiTestServer()
        let response = try server.send("POST", "/api/v1/1/apps/", json: #"{"name": "x"}"#, contentType: nil)
        #expect(response.text == #"{"message":"validation error","errors":{"name":["This field is required."]}}"#)
        let charset = try server.send("POST", "/api/v1/1/apps/", json: #"{"name": "x"}"#, contentType: "Application/JSON; charset=utf-8")
        #expect(charset.status == 200)
    }

    /// DRF looks the object up before it parses the body.
    @Test func aMissingObjectIsNotFoundEvenWithABrokenBody() throws {
        let server = try RostiTestServer()
        #expect(try server.send("PUT", "/api/v1/1/apps/1203/", json: "{").status == 404)
        #expect(try server.send("PUT", "/api/v1/1/apps/1201/", json: "{").status == 400)
    }
}

@Suite struct AppActionAndStatusTests {
    @Test(arguments: [("stop", false), ("start", true), ("restart", true), ("rebuild", true)])
    func actionsSetEnabled(_ action: String, _ enabled: Bool) throws {
        let server = try RostiTestServer()
        _ = try server.json("PATCH", "/api/v1/1/apps/1201/", body: #"{"enabled": \#(!enabled)}"#)
        let app = try server.json("PUT", "/api/v1/1/apps-action/1201/", body: #"{"action": "\#(action)"}"#)
        #expect(app["enabled"] == .bool(enabled))
        #expect(try server.json("GET", "/api/v1/1/apps-status/1201/")["running"] == .bool(enabled))
    }

    @Test func anUnknownActionIsRefused() throws {
        let server = try RostiTestServer()
        #expect(try server.send("PUT", "/api/v1/1/apps-action/1201/", json: #"{"action": "explode"}"#).text
            == #"{"message":"validation error","errors":{"action":["\"explode\" is not a valid choice."]}}"#)
        #expect(try server.send("PUT", "/api/v1/1/apps-action/1201/", json: "{}").text
            == #"{"message":"validation error","errors":{"action":["This field is required."]}}"#)
        #expect(try server.send("PUT", "/api/v1/1/apps-action/1204/", json: #"{"action": "stop"}"#).status == 404)
    }

    @Test func statusFollowsTheAppAndItsPlan() throws {
        let server = try RostiTestServer()
        #expect(try server.get("/api/v1/1/apps-status/1201/").text == """
            {"errors":[],"info":[],"dns_status":true,"http_status":true,"running":true,\
            "storage":{"usage":0.05,"limit":10,"over_limit":0},"memory":{"usage":194.6,"limit":512},\
            "primary_tech":{"name":"python","version":"3.8.2"},"techs":[{"name":"python","version":"3.8.2"}]}
            """)
        let stopped = try server.json("GET", "/api/v1/1/apps-status/1202/")
        #expect(stopped["running"] == false)
        #expect(stopped["http_status"] == false)
        #expect(stopped["memory"] == ["usage": .number(0), "limit": 128])
        _ = try server.json("PATCH", "/api/v1/1/apps/1201/", body: #"{"plan": 6}"#)
        let bigger = try server.json("GET", "/api/v1/1/apps-status/1201/")
        #expect(bigger["storage"]?["limit"] == 100)
        #expect(bigger["memory"]?["limit"] == 8192)
    }
}
