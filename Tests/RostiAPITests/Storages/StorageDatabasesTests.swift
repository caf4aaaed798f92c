import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import JSON
import Logging
import RostiHosting
import Testing
import TestSupport

@testable import RostiAPI

/// The engines installed here; tests of an engine run where it is (CI installs both).
private let installedEngines = DatabaseEngine.allCases.filter {
    if case .available = EngineInstallation.find($0) { return true }
    return false
}
private let bothInstalled = installedEngines.count == DatabaseEngine.allCases.count
private let bothMissing: Comment = "needs PostgreSQL and MariaDB: apt-get install -y postgresql mariadb-server"

/// Storages through the Rosti API on a server whose storages are real databases: what an
/// app sees with the engine's own client and the password it set through the API.
@Suite(.serialized) struct StorageDatabasesTests {
    /// A server over a throwaway state with its own engines, closed with it.
    final class Hosted {
        let server: RostiTestServer
        let engines: StorageEngines
        let hosting: StorageHosting

        init(state: StateStore? = nil, folders: EngineFolders = EngineFolders(persistent: nil), hostname: String = "127.0.0.1") throws {
            var logger = Logger(label: "storage-tests")
            logger.logLevel = .warning
            engines = StorageEngines(folders: folders, logger: logger)
            hosting = StorageHosting(engines: engines, hostname: hostname, logger: logger)
            server = try RostiTestServer(state: state, storages: hosting)
            engines.activate()
        }

        deinit {
            try? server.emulator.close()
            engines.close()
        }

        /// The storage object (`id`) as company 1's storages list has it, in `tenant`.
        func storage(_ id: Int64, company: Int = 1, tenant: String? = nil) throws -> JSONValue {
            let response = try server.send("GET", "/api/v1/\(company)/storages/\(id)/", headers: tenant.map { [("X-Rostra-Tenant", $0)] } ?? [])
            #expect(response.status == 200, "\(response.text)")
            return try JSONParser.parse(response.body)
        }

        func login(_ storage: JSONValue, password: String, sql: String = "SELECT 1") throws -> StorageClient.Answer {
            let name = try #require(storage["name"]?.text)
            return try StorageClient.run(
                try #require(storage["engine"]?.text), port: Int(try #require(storage["port"]?.int)), user: try #require(storage["username"]?.text),
                password: password, database: name, sql: sql)
        }

        func databases(_ engine: DatabaseEngine) throws -> [String: StorageMark] {
            try engines.server(engine).perform { try $0.objects().databases }
        }

        func admin(_ method: String, _ path: String, tenant: String? = nil, body: String? = nil) throws -> RawResponse {
            try server.send(method, "/__admin/" + path, token: nil, json: body, headers: tenant.map { [("X-Rostra-Tenant", $0)] } ?? [])
        }
    }

    @Test(arguments: installedEngines)
    func aStorageMadeThroughTheAPIIsADatabaseItsPasswordOpens(engine: DatabaseEngine) throws {
        let hosted = try Hosted(hostname: "db.example.test")
        let made = try hosted.server.json("POST", "/api/v1/1/storages/", body: #"{"engine": "\#(engine.rawValue)", "password": "first-password", "note": "Shop DB"}"#)
        let id = try #require(made["id"]?.int)
        #expect(made["name"]?.text == "shop_db_\(id)")
        #expect(made["username"] == made["name"])
        #expect(made["hostname"]?.text == "db.example.test")
        #expect(made["port"]?.int == Int64(try #require(hosted.engines.server(engine).port)))

        let wrote = try hosted.login(made, password: "first-password", sql: "CREATE TABLE t (n integer); INSERT INTO t VALUES (7)")
        #expect(wrote.succeeded, "\(wrote.error)")
        #expect(try !hosted.login(made, password: "wrong-password").succeeded)

        // The seeded storage of the same engine (company 1) cannot read it.
        let seeded = try hosted.storage(engine == .pgsql ? 1895 : 1894)
        let seededPassword = engine == .pgsql ? "demo-pgsql-password" : "demo-mariadb-password"
        #expect(try hosted.login(seeded, password: seededPassword).succeeded)
        let across = try StorageClient.run(engine.rawValue, port: Int(seeded["port"]!.int!), user: seeded["username"]!.text!,
                                           password: seededPassword, database: made["name"]!.text!, sql: "SELECT 1")
        #expect(!across.succeeded)

        // storages-password and PATCH both change it in the engine at once.
        _ = try hosted.server.json("PUT", "/api/v1/1/storages-password/\(id)/", body: #"{"password": "second-password"}"#)
        #expect(try !hosted.login(made, password: "first-password").succeeded)
        #expect(try hosted.login(made, password: "second-password", sql: "SELECT n FROM t").output == "7")
        _ = try hosted.server.json("PATCH", "/api/v1/1/storages/\(id)/", body: #"{"password": "third-password", "note": "x"}"#)
        #expect(try !hosted.login(made, password: "second-password").succeeded)
        #expect(try hosted.login(made, password: "third-password").succeeded)

        // Deleted: the database and its user are gone.
        #expect(try hosted.server.send("DELETE", "/api/v1/1/storages/\(id)/").status == 200)
        #expect(try !hosted.login(made, password: "third-password").succeeded)
        #expect(try hosted.databases(engine)[made["name"]!.text!] == nil)
    }

    @Test(.enabled(if: bothInstalled, bothMissing))
    func tenantsHaveTheirOwnDatabasesUnderTaggedNamesAndResetAndDeletionFollow() throws {
        let hosted = try Hosted()
        let blog = try hosted.storage(1894)
        #expect(blog["name"]?.text == "blog_1894")
        #expect(try hosted.login(blog, password: "demo-mariadb-password", sql: "CREATE TABLE kept (n int)").succeeded)

        let tenantBlog = try hosted.storage(1894, tenant: "ci-7")
        let tag = NameTag.tag(of: "ci-7")
        #expect(tenantBlog["name"]?.text == "blog_1894_\(tag)")
        #expect(try hosted.login(tenantBlog, password: "demo-mariadb-password", sql: "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()").output == "0")
        let tenantMade = try JSONParser.parse(try hosted.server.send(
            "POST", "/api/v1/1/storages/", json: #"{"engine": "pgsql", "password": "tenant-password"}"#, headers: [("X-Rostra-Tenant", "ci-7")]).body)
        #expect(try hosted.login(tenantMade, password: "tenant-password").succeeded)

        // A reset of the tenant: its seeded databases again, empty; the one made since, gone.
        #expect(try hosted.login(tenantBlog, password: "demo-mariadb-password", sql: "CREATE TABLE gone (n int)").succeeded)
        #expect(try hosted.admin("POST", "reset", tenant: "ci-7").status == 200)
        #expect(try hosted.login(tenantBlog, password: "demo-mariadb-password", sql: "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()").output == "0")
        #expect(try !hosted.login(tenantMade, password: "tenant-password").succeeded)
        // The default tenant's data was not touched.
        #expect(try hosted.login(blog, password: "demo-mariadb-password", sql: "SELECT count(*) FROM kept").succeeded)

        // Deleting the tenant drops every database it had.
        #expect(try hosted.admin("DELETE", "tenants/ci-7").status == 200)
        for engine in DatabaseEngine.allCases {
            #expect(try hosted.databases(engine).values.allSatisfy { $0.tenant != "ci-7" })
        }
        #expect(try hosted.login(blog, password: "demo-mariadb-password").succeeded)

        // The default tenant's reset empties its databases too, and they still open.
        #expect(try hosted.admin("POST", "reset").status == 200)
        #expect(try !hosted.login(blog, password: "demo-mariadb-password", sql: "SELECT count(*) FROM kept").succeeded)
        #expect(try hosted.login(blog, password: "demo-mariadb-password").succeeded)
        #expect(try Set(hosted.databases(.mariadb).keys) == ["blog_1894", "portfolio_1897"])
        #expect(try Set(hosted.databases(.pgsql).keys) == ["dana_demo_1895", "eshop_1896"])
    }

    @Test(.enabled(if: bothInstalled, bothMissing))
    func anExportCarriesEachStoragesDataAndPasswordAndAnImportBringsThemBack() throws {
        let hosted = try Hosted()
        let dana = try hosted.storage(1895)
        let blog = try hosted.storage(1894)
        let pg = try hosted.login(dana, password: "demo-pgsql-password", sql: """
            CREATE TABLE posts (id serial PRIMARY KEY, title text); INSERT INTO posts (title) VALUES ('první'), ('second');
            CREATE VIEW titles AS SELECT title FROM posts; ALTER ROLE CURRENT_USER PASSWORD 'changed-in-the-engine'
            """)
        #expect(pg.succeeded, "\(pg.error)")
        let my = try hosted.login(blog, password: "demo-mariadb-password", sql: """
            CREATE TABLE notes (n int); INSERT INTO notes VALUES (1), (2), (3); CREATE VIEW note_count AS SELECT count(*) AS c FROM notes
            """)
        #expect(my.succeeded, "\(my.error)")

        let export = try hosted.admin("GET", "state")
        #expect(export.status == 200)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(export.body)) as? [String: Any])
        let dumps = (document["files"] as? [[String: Any]] ?? []).filter { $0["plugin"] as? String == "rosti" }
        // One per storage of the state (every company's), each with its data.
        #expect(Set(dumps.compactMap { $0["key"] as? String }) == ["1894", "1895", "1896", "1897"])

        // Into another tenant: the same rows under that tenant's names, the password the
        // engine held at the export.
        #expect(try hosted.admin("PUT", "state", tenant: "copy", body: export.text).status == 200)
        let copiedDana = try hosted.storage(1895, tenant: "copy")
        #expect(copiedDana["name"]?.text == "dana_demo_1895_\(NameTag.tag(of: "copy"))")
        #expect(try hosted.login(copiedDana, password: "changed-in-the-engine", sql: "SELECT string_agg(title, ',' ORDER BY title) FROM titles").output == "první,second")
        let copiedBlog = try hosted.storage(1894, tenant: "copy")
        #expect(try hosted.login(copiedBlog, password: "demo-mariadb-password", sql: "SELECT c FROM note_count").output == "3")

        // A document without dumps (version 1, or from a machine without the engines):
        // the storages are there, empty, with the rows' passwords.
        var rowsOnly = document
        rowsOnly["files"] = (document["files"] as? [[String: Any]] ?? []).filter { $0["plugin"] == nil }
        rowsOnly["version"] = 1
        let body = String(decoding: try JSONSerialization.data(withJSONObject: rowsOnly), as: UTF8.self)
        #expect(try hosted.admin("PUT", "state", tenant: "copy", body: body).status == 200)
        #expect(try !hosted.login(copiedDana, password: "changed-in-the-engine").succeeded)
        #expect(try hosted.login(copiedDana, password: "demo-pgsql-password", sql: "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").output == "0")

        // A dump for a storage the document does not have is refused, and nothing changes.
        var stray = document
        var files = document["files"] as? [[String: Any]] ?? []
        files.append(["plugin": "rosti", "key": "99", "size": 2, "base64": Data("{}".utf8).base64EncodedString()])
        stray["files"] = files
        let refused = try hosted.admin("PUT", "state", tenant: "copy", body: String(decoding: try JSONSerialization.data(withJSONObject: stray), as: UTF8.self))
        #expect(refused.status == 400)
        #expect(refused.text.contains("rosti 99"))
        #expect(try hosted.login(copiedDana, password: "demo-pgsql-password").succeeded)
    }

    @Test(arguments: installedEngines)
    func anEngineTakenDownRefusesLoginsWhileTheAPIGoesOnAndCatchesUpWhenUp(engine: DatabaseEngine) throws {
        let hosted = try Hosted()
        let seeded = try hosted.storage(engine == .pgsql ? 1895 : 1894)
        let password = engine == .pgsql ? "demo-pgsql-password" : "demo-mariadb-password"
        #expect(try hosted.login(seeded, password: password).succeeded)

        let down = try hosted.admin("POST", "engines/\(engine.rawValue)/down")
        #expect(down.status == 200)
        #expect(try JSONParser.parse(down.body)["state"]?.text == "down")
        #expect(try !hosted.login(seeded, password: password).succeeded)
        let made = try hosted.server.json("POST", "/api/v1/1/storages/", body: #"{"engine": "\#(engine.rawValue)", "password": "while-down"}"#)
        _ = try hosted.server.json("PUT", "/api/v1/1/storages-password/\(engine == .pgsql ? 1895 : 1894)/", body: #"{"password": "changed-while-down"}"#)

        let listed = try JSONParser.parse(try hosted.admin("GET", "engines").body)
        #expect(listed["engines"]?.items.first { $0["engine"]?.text == engine.rawValue }?["state"]?.text == "down")

        #expect(try hosted.admin("POST", "engines/\(engine.rawValue)/up").status == 200)
        #expect(try hosted.login(made, password: "while-down").succeeded)
        #expect(try hosted.login(seeded, password: "changed-while-down").succeeded)
        #expect(try !hosted.login(seeded, password: password).succeeded)

        #expect(try hosted.admin("POST", "engines/oracle/down").status == 404)
    }

    @Test(.enabled(if: bothInstalled, bothMissing))
    func aReusedStateKeepsItsDataAndTheFirstWorkDropsWhatNoStateHolds() throws {
        let folder = try TemporaryDirectory()
        let database = folder.path("state.sqlite")
        let open = { (reseed: Bool) in
            try StateStore(location: .file(database), seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema, reseed: reseed)
        }
        do {
            let hosted = try Hosted(state: open(false), folders: .beside(database: database))
            let dana = try hosted.storage(1895)
            #expect(try hosted.login(dana, password: "demo-pgsql-password", sql: "CREATE TABLE kept (n int); INSERT INTO kept VALUES (5)").succeeded)
            _ = try hosted.storage(1895, tenant: "left-behind")
            try hosted.engines.server(.pgsql).perform {
                try $0.create(name: "ghost_1", credential: .password("ghost-password"), mark: StorageMark(tenant: "default", storage: 1))
            }
        }
        do {
            let hosted = try Hosted(state: open(false), folders: .beside(database: database))
            let dana = try hosted.storage(1895)
            #expect(try hosted.login(dana, password: "demo-pgsql-password", sql: "SELECT n FROM kept").output == "5")
            // The earlier run's tenant and the database no row names are gone.
            #expect(try Set(hosted.databases(.pgsql).keys) == ["dana_demo_1895", "eshop_1896"])
        }
        do {
            // --reseed: the seed's storages again, empty.
            let hosted = try Hosted(state: open(true), folders: .beside(database: database))
            let dana = try hosted.storage(1895)
            #expect(try !hosted.login(dana, password: "demo-pgsql-password", sql: "SELECT n FROM kept").succeeded)
            #expect(try hosted.login(dana, password: "demo-pgsql-password").succeeded)
        }
    }

    @Test func withoutEnginesStoragesAreRowsWithTheReferencesHostsAndPorts() throws {
        let server = try RostiTestServer()
        let blog = try server.json("GET", "/api/v1/1/storages/1894/")
        #expect(blog["hostname"]?.text == "store5.rosti.cz")
        #expect(blog["port"]?.int == 3306)
        #expect(blog["name"]?.text == "blog_1894")
    }
}
