import Foundation
import HTTP
import Testing
import TestSupport

/// Isolation and secrecy of the built `rostra`, as a user runs it: tenants, the admin token
/// on every admin route, the default bind, upload file names, and credentials in logs and
/// the journal.
@Suite struct IsolationEndToEndTests {
    static let rostiDemo = ("Authorization", "Token \(ServedRostra.rostiDemoToken)")
    static let json = ("Content-Type", "application/json")

    static func multipart(filename: String, content: String) -> (headers: [(String, String)], body: [UInt8]) {
        let body = "--iso\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"\(filename)\"\r\n\r\n\(content)\r\n--iso--\r\n"
        return ([("Authorization", ServedRostra.rosaDemoLogin), ("Content-Type", "multipart/form-data; boundary=iso")], Array(body.utf8))
    }

    static func object(_ response: RawResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    static func array(_ response: RawResponse) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [[String: Any]] ?? []
    }

    @Test func tenantsNeverSeeEachOthersData() throws {
        let scratch = try TemporaryDirectory()
        let server = try ServedRostra(databasePath: scratch.path("state.sqlite"), directory: scratch.url)
        defer { _ = server.stop() }
        let tenantA = ("X-Rostra-Tenant", "isolation-a")
        let tenantB = ("X-Rostra-Tenant", "isolation-b")
        let defaultBefore = try server.exportedState()

        // Written in tenant A: an app, a storage, an upload.
        let app = try server.request("rosti", "POST", "/api/v1/1/apps/", headers: [Self.rostiDemo, Self.json, tenantA],
                                     body: Array(#"{"name":"onlyina"}"#.utf8))
        #expect(app.status == 200)
        let appID = Self.object(app)["id"] as? Int ?? -1
        let storage = try server.request("rosti", "POST", "/api/v1/1/storages/", headers: [Self.rostiDemo, Self.json, tenantA],
                                         body: Array(#"{"engine":"pgsql","password":"tenant-a-secret","note":"only in a"}"#.utf8))
        #expect(storage.status == 200)
        let storageID = Self.object(storage)["id"] as? Int ?? -1
        let upload = Self.multipart(filename: "only-in-a.txt", content: "tenant A's file \(UUID())")
        let uploaded = try server.request("rosa", "POST", "/api/v1/upload", headers: upload.headers + [tenantA], body: upload.body)
        #expect(uploaded.status == 201)
        let sha1 = Self.object(uploaded)["sha1_hash"] as? String ?? "missing"

        // Tenant B and the default tenant see none of it.
        for tenant in [[tenantB], []] {
            let apps = Self.array(try server.request("rosti", "GET", "/api/v1/1/apps/", headers: [Self.rostiDemo] + tenant))
            #expect(!apps.isEmpty && !apps.contains { $0["name"] as? String == "onlyina" })
            #expect(try server.request("rosti", "GET", "/api/v1/1/apps/\(appID)/", headers: [Self.rostiDemo] + tenant).status == 404)
            #expect(try server.request("rosti", "GET", "/api/v1/1/storages/\(storageID)/", headers: [Self.rostiDemo] + tenant).status == 404)
            #expect(try server.request("rosti", "DELETE", "/api/v1/1/apps/\(appID)/", headers: [Self.rostiDemo] + tenant).status == 404)
            #expect(try server.request("rosa", "GET", "/api/v1/file_stores.json?hash=\(sha1)", headers: tenant).text == "[]")
            #expect(try server.request("rosa", "GET", "/download/\(sha1)", headers: tenant).status == 404)
            #expect(try server.request("rosa", "DELETE", "/api/v1/file_stores/\(sha1).json",
                                       headers: [("Authorization", ServedRostra.rosaAdminLogin)] + tenant).status == 404)
        }
        // Tenant A still sees its own, and the default tenant's state is untouched.
        #expect(try server.request("rosti", "GET", "/api/v1/1/apps/\(appID)/", headers: [Self.rostiDemo, tenantA]).status == 200)
        #expect(try server.request("rosa", "GET", "/download/\(sha1)", headers: [tenantA]).status == 200)
        #expect(try server.exportedState() == defaultBefore)
        let exportedB = try server.exportedState(headers: [tenantB])
        #expect(!"\(exportedB)".contains("onlyina") && !"\(exportedB)".contains(sha1))
    }

    /// What may be read without `--admin-token` (docs/admin-api.md): health and the
    /// dashboard's three static files. Anything else turning up open fails the tests.
    static let openAdminPaths: Set<String> = ["/__admin/health", "/__admin/", "/__admin/dashboard.css", "/__admin/dashboard.js"]

    /// Every admin route the server has (its OpenAPI document is generated from the admin
    /// router's table) refuses a call without the token or with a wrong one, and such a
    /// call changes nothing and makes no tenant; only the documented open reads answer.
    @Test func theAdminTokenGuardsEveryAdminRoute() throws {
        let scratch = try TemporaryDirectory()
        let token = "admin-\(UUID().uuidString)"
        let server = try ServedRostra(databasePath: scratch.path("state.sqlite"), directory: scratch.url,
                                      extraArguments: ["--admin-token", token])
        defer { _ = server.stop() }
        let bearer = ("Authorization", "Bearer \(token)")
        let document = Self.object(try server.admin("GET", "openapi.json", headers: [bearer]))
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        let operations = paths.flatMap { path, methods in
            methods.compactMap { method, operation -> (method: String, path: String, isOpen: Bool)? in
                guard ["get", "put", "post", "patch", "delete"].contains(method) else { return nil }
                let security = (operation as? [String: Any])?["security"] as? [Any]
                return (method.uppercased(), path, security?.isEmpty == true)
            }
        }
        #expect(operations.count >= 20, "the admin API's operations: \(operations.count)")
        #expect(Set(operations.filter(\.isOpen).map(\.path)) == Self.openAdminPaths)
        let before = try server.exportedState(headers: [bearer])

        for api in ["rosti", "rosa"] {
            for operation in operations {
                let concrete = operation.path
                    .replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{name}", with: "isolation-probe")
                    .replacingOccurrences(of: "{api}", with: api)
                for credentials in [[], [("Authorization", "Bearer wrong-\(token)")], [("Authorization", "Basic \(token)")],
                                    [("Authorization", "Bearer \(token.dropLast())")]] {
                    // Open reads are static files; the tenant check is for guarded calls.
                    let tenant = operation.isOpen ? [] : [("X-Rostra-Tenant", "isolation-probe")]
                    let answer = try server.request(
                        api, operation.method, concrete, headers: credentials + [Self.json] + tenant,
                        body: ["PUT", "POST", "PATCH"].contains(operation.method) ? Array("{}".utf8) : nil)
                    let expected = operation.isOpen && Self.openAdminPaths.contains(concrete) ? 200 : 401
                    #expect(answer.status == expected, "\(api) \(operation.method) \(concrete) with \(credentials.first?.1 ?? "nothing"): \(answer.status)")
                }
            }
        }
        #expect(try server.exportedState(headers: [bearer]) == before)
        let tenants = Self.object(try server.admin("GET", "tenants", headers: [bearer]))["tenants"] as? [[String: Any]] ?? []
        #expect(tenants.map { $0["name"] as? String } == ["default"], "an unauthenticated call made a tenant")
    }

    /// The hostile run's reproduction: under `--admin-token`, API requests that fail
    /// authentication named `a1 … a150` and made 150 tenants, so `max_tenants` (100) was
    /// full and the owner's own tenant answered 409. Now they make none, each is answered
    /// as a new tenant would answer it, and is journaled under its name; a real caller's
    /// request, or an authorised admin call, makes its tenant.
    @Test func requestsThatFailAuthenticationMakeNoTenant() throws {
        let scratch = try TemporaryDirectory()
        let token = "admin-\(UUID().uuidString)"
        let server = try ServedRostra(databasePath: scratch.path("state.sqlite"), directory: scratch.url,
                                      extraArguments: ["--admin-token", token])
        defer { _ = server.stop() }
        let bearer = ("Authorization", "Bearer \(token)")
        let strangers: [(api: String, path: String, headers: [(String, String)], status: Int)] = [
            ("rosti", "/api/v1/companies/", [("Authorization", "Token rostidemo0000000000000000000000000000099")], 401),
            ("rosti", "/api/v1/1/apps/", [], 401),
            ("rosti", "/api/v1/1/apps/", [("Authorization", "Bearer \(token)")], 401),
            ("rosa", "/api/v1/check", [("Authorization", "Basic ZGVtbzp3cm9uZw==")], 401),
            ("rosa", "/api/v1/file_stores.json?hash=0000000000000000000000000000000000000000", [], 200),
            ("rosa", "/api/v1/upload", [], 401),
        ]
        for index in 1...150 {
            let stranger = strangers[index % strangers.count]
            let method = stranger.path == "/api/v1/upload" ? "POST" : "GET"
            let answer = try server.request(stranger.api, method, stranger.path,
                                            headers: stranger.headers + [("X-Rostra-Tenant", "a\(index)")])
            #expect(answer.status == stranger.status, "a\(index): \(stranger.api) \(stranger.path)")
        }
        func tenantNames() throws -> [String] {
            (Self.object(try server.admin("GET", "tenants", headers: [bearer]))["tenants"] as? [[String: Any]] ?? [])
                .compactMap { $0["name"] as? String }
        }
        #expect(try tenantNames() == ["default"])
        let journaled = Self.object(try server.admin("GET", "requests?tenant=a7", headers: [bearer]))
        #expect((journaled["requests"] as? [[String: Any]])?.first?["tenant"] as? String == "a7")

        // The owner's tenant, and the real callers' of both APIs, are made.
        #expect(try server.admin("POST", "reset", headers: [bearer, ("X-Rostra-Tenant", "owner")]).status == 200)
        #expect(try server.request("rosti", "GET", "/api/v1/companies/", headers: [Self.rostiDemo, ("X-Rostra-Tenant", "rosti-worker")]).status == 200)
        #expect(try server.request("rosa", "GET", "/api/v1/check",
                                   headers: [("Authorization", ServedRostra.rosaDemoLogin), ("X-Rostra-Tenant", "rosa-worker")]).status == 200)
        #expect(try tenantNames() == ["default", "owner", "rosa-worker", "rosti-worker"])
    }

    /// With no `--host`, both listeners are bound to 127.0.0.1 only: the kernel's table of
    /// listening sockets shows the loopback address for each port, never 0.0.0.0.
    @Test func theDefaultBindIsLoopbackOnly() throws {
        let scratch = try TemporaryDirectory()
        let server = try ServedRostra(databasePath: scratch.path("state.sqlite"), directory: scratch.url)
        defer { _ = server.stop() }
        #expect(server.process.banner.contains("http://127.0.0.1:\(server.ports.rosti)/"))
        // Read to the end: a file of /proc has no size, and with thousands of sockets in
        // TIME-WAIT (a load test just ran) a sized read saw only its start.
        func wholeFile(_ path: String) -> String {
            guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() else { return "" }
            return String(decoding: data, as: UTF8.self)
        }
        let table = wholeFile("/proc/net/tcp")
        let table6 = wholeFile("/proc/net/tcp6")
        for port in [server.ports.rosti, server.ports.rosa] {
            let portHex = String(format: "%04X", port)
            // Columns: sl local_address rem_address st …; st 0A is LISTEN.
            let rows: [[Substring]] = (table + table6).split(separator: "\n").map { $0.split(separator: " ") }
            let listening: [String] = rows.filter { (row: [Substring]) -> Bool in
                row.count > 3 && row[1].hasSuffix(":" + portHex) && row[3] == "0A"
            }.map { String($0[1]) }
            #expect(listening == ["0100007F:\(portHex)"], "port \(port) listens on \(listening)")
        }
    }

    /// Upload file names are only ever a stored name: whatever the multipart filename says
    /// (traversal, absolute, encoded, Windows), the bytes land in the blob folder under
    /// their SHA-1, nothing is written anywhere else, and the recorded name is a plain
    /// base name.
    @Test func uploadFileNamesNeverEscapeTheStoreFolder() throws {
        let scratch = try TemporaryDirectory()
        let server = try ServedRostra(databasePath: scratch.path("state.sqlite"), directory: scratch.url)
        defer { _ = server.stop() }
        let marker = "escape-\(UUID().uuidString.prefix(8))"
        let hostile = [
            "../../../../../../tmp/\(marker)", "/tmp/\(marker)-absolute", "..\\\\..\\\\..\\\\\(marker)", "%2e%2e%2f%2e%2e%2f\(marker)",
            "....//....//\(marker)", "../", "..", ".", "./\(marker)/", "C:\\\\Windows\\\\\(marker)", "\(marker)\r\nX-Injected: 1",
            "a\u{0}b/../../\(marker)", "\u{202E}txt.exe", String(repeating: "../", count: 300) + marker,
        ]
        // The TLS certificate authority's folder (`ca/`, beside the database) is made by a
        // thread of its own once Rostra listens, and the storages' engines, the apps'
        // containers and the snapshots' archives keep their data beside the database too,
        // made when they start: all are the state's, and may appear meanwhile.
        let stateFolders: Set = ["ca", "state.sqlite-engines", "state.sqlite-apps", "state.sqlite-snapshots"]
        let listing = { Set(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)).subtracting(stateFolders) }
        let before = try listing()
        for (index, filename) in hostile.enumerated() {
            let upload = Self.multipart(filename: filename, content: "escape attempt \(index) \(UUID())")
            let answer = try server.request("rosa", "POST", "/api/v1/upload", headers: upload.headers, body: upload.body)
            guard answer.status == 201, let sha1 = Self.object(answer)["sha1_hash"] as? String else {
                // A name the multipart syntax cannot carry may be refused, as long as it is a 4xx.
                #expect((400..<500).contains(answer.status), "\(filename.debugDescription): \(answer.status) \(answer.text)")
                continue
            }
            let found = Self.array(try server.request("rosa", "GET", "/api/v1/file_stores.json?hash=\(sha1)"))
            let stored = found.first?["file_name"] as? String ?? ""
            #expect(!stored.isEmpty && !stored.contains("/") && !stored.contains("\\") && stored != ".." && stored != ".",
                    "\(filename.debugDescription) was stored as \(stored.debugDescription)")
            let download = try server.request("rosa", "GET", "/download/\(sha1)")
            let disposition = download.headers["Content-Disposition"] ?? ""
            #expect(!disposition.contains("/") && !disposition.contains("\\") && !disposition.contains("\r"),
                    "\(filename.debugDescription): Content-Disposition \(disposition.debugDescription)")
        }
        // Only hashes under their fan-out folder, and no file outside the state's own.
        let hexName = /[0-9a-f]{2}\/[0-9a-f]{40}/
        for path in server.blobFolderListing() {
            #expect(path.wholeMatch(of: hexName) != nil, "blob folder holds \(path)")
        }
        #expect(try listing() == before)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/\(marker)") && !FileManager.default.fileExists(atPath: "/tmp/\(marker)-absolute"))
    }

    /// Tokens, passwords and Basic credentials — right or wrong — appear neither in what the
    /// server logs at its most talkative level nor in the request journal.
    @Test func credentialsNeverAppearInLogsOrTheJournal() throws {
        let scratch = try TemporaryDirectory()
        let adminToken = "adminsecret\(UUID().uuidString.prefix(8))"
        let server = try ServedRostra(databasePath: scratch.path("state.sqlite"), directory: scratch.url,
                                      extraArguments: ["--admin-token", adminToken, "--log-level", "trace", "--log-format", "json"])
        let bearer = ("Authorization", "Bearer \(adminToken)")
        let storagePassword = "storage-secret-\(UUID().uuidString.prefix(8))"
        let changedPassword = "changed-secret-\(UUID().uuidString.prefix(8))"
        let wrongPassword = "wrong-secret-\(UUID().uuidString.prefix(8))"
        let wrongToken = "wrongtoken\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(30))"
        let rosaToken = "rosademo00000000000000000000000000000001"
        let secrets = [ServedRostra.rostiDemoToken, ServedRostra.rostiOtherToken, "demo-password", storagePassword, changedPassword,
                       wrongPassword, wrongToken, rosaToken, adminToken,
                       String(ServedRostra.rosaDemoLogin.dropFirst(6)), Data("demo:\(wrongPassword)".utf8).base64EncodedString(),
                       Data("\(rosaToken):".utf8).base64EncodedString()]

        let created = try server.request("rosti", "POST", "/api/v1/1/storages/", headers: [Self.rostiDemo, Self.json],
                                         body: Array(#"{"engine":"mariadb","password":"\#(storagePassword)"}"#.utf8))
        #expect(created.status == 200)
        let storageID = Self.object(created)["id"] as? Int ?? -1
        #expect(try server.request("rosti", "PUT", "/api/v1/1/storages-password/\(storageID)/", headers: [Self.rostiDemo, Self.json],
                                   body: Array(#"{"password":"\#(changedPassword)"}"#.utf8)).status == 200)
        #expect(try server.request("rosti", "PATCH", "/api/v1/1/storages/\(storageID)/", headers: [Self.rostiDemo, Self.json],
                                   body: Array(#"{"password":"\#(changedPassword)x"}"#.utf8)).status == 200)
        #expect(try server.request("rosti", "GET", "/api/v1/companies/", headers: [("Authorization", "Token \(wrongToken)")]).status == 401)
        #expect(try server.request("rosti", "GET", "/api/v1/3/apps/", headers: [("Authorization", "Token \(ServedRostra.rostiOtherToken)")]).status == 200)
        #expect(try server.request("rosa", "GET", "/api/v1/check", headers: [("Authorization", ServedRostra.rosaDemoLogin)]).status == 200)
        #expect(try server.request("rosa", "GET", "/api/v1/check", headers: [("Authorization", "Basic " + Data("demo:\(wrongPassword)".utf8).base64EncodedString())]).status == 401)
        #expect(try server.request("rosa", "GET", "/api/v1/check", headers: [("Authorization", "Basic " + Data("\(rosaToken):".utf8).base64EncodedString())]).status == 200)
        let upload = Self.multipart(filename: "log.txt", content: "secrets test \(UUID())")
        #expect(try server.request("rosa", "POST", "/api/v1/upload", headers: upload.headers, body: upload.body).status == 201)
        #expect(try server.admin("GET", "settings", headers: [bearer]).status == 200)
        #expect(try server.admin("GET", "settings", headers: [("Authorization", "Bearer \(wrongToken)")]).status == 401)
        #expect(try server.admin("POST", "accounts", json: #"{"api":"rosa","password":"\#(wrongPassword)x"}"#, headers: [bearer]).status == 201)

        // The journal of both APIs, every tenant.
        let journal = try server.admin("GET", "requests?tenant=*", headers: [bearer])
        #expect(journal.status == 200)
        #expect((Self.object(journal)["requests"] as? [Any])?.count ?? 0 >= 9, "the journal recorded the calls")
        for secret in secrets {
            #expect(!journal.text.contains(secret), "the journal shows \(secret)")
        }

        #expect(server.stop() == 0)
        let logs = server.process.standardErrorLines().joined(separator: "\n")
        #expect(logs.contains("/api/v1/check"), "the access log was captured")
        for secret in secrets {
            #expect(!logs.contains(secret), "the logs show \(secret)")
        }
    }
}
