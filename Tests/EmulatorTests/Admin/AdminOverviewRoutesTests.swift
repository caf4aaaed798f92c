import JSON
import Testing

@testable import Emulator
import TestSupport

/// `GET /__admin/overview`: the tenant's state for people, read from its tables.
@Suite struct AdminOverviewRoutesTests {
    func rows(_ overview: JSONValue, _ api: String, _ list: String) -> [JSONObject] {
        overview.objectValue?[api]?.objectValue?[list]?.objectValue?["rows"]?.arrayValue?.compactMap(\.objectValue) ?? []
    }

    func count(_ overview: JSONValue, _ api: String, _ list: String) -> Double? {
        overview.objectValue?[api]?.objectValue?[list]?.objectValue?["count"]?.numberValue
    }

    @Test func theSeedWorldWithCredentialsOwnersAndSizes() throws {
        let answer = try ControlPlaneHarness().admin("GET", "overview")
        #expect(answer.status == 200)
        #expect(answer.headers["Content-Type"] == "application/json")
        let overview = answer.json
        #expect(overview.objectValue?["tenant"] == "default")

        let accounts = rows(overview, "rosti", "accounts")
        #expect(count(overview, "rosti", "accounts") == 2)
        let demo = try #require(accounts.first { $0["email"] == "demo@rostra.local" })
        #expect(demo["token"] == "rostidemo0000000000000000000000000000001")
        #expect(demo["companies"] == [1, 2])
        #expect(demo["default_company"] == 1)
        #expect(demo["created"] == "2024-01-15T09:00:00.000Z")
        #expect(accounts.map { $0["id"]?.numberValue ?? 0 } == [2, 1], "newest first")

        let company = try #require(rows(overview, "rosti", "companies").first { $0["id"] == 1 })
        #expect(company["members"] == 1 && company["apps"] == 2 && company["storages"] == 2 && company["snapshots"] == 1)

        let blog = try #require(rows(overview, "rosti", "apps").first { $0["name"] == "blog" })
        #expect(blog["enabled"] == true)
        #expect(blog["domains"]?.arrayValue?.contains("blog-1201.rostiapp.cz") == true)
        #expect(blog["plan"]?.stringValue?.isEmpty == false)

        let storages = rows(overview, "rosti", "storages")
        #expect(storages.count == 4)
        #expect(storages.allSatisfy { $0["password"] == nil }, "storage passwords are write-only in the API; the overview leaves them out")
        #expect(rows(overview, "rosti", "snapshots").first?["status"] == "ready")

        let users = rows(overview, "rosa", "users")
        #expect(users.first { $0["uname"] == "demo" }?["password"] == "demo-password")
        let hello = try #require(rows(overview, "rosa", "files").first { $0["file_name"] == "hello.txt" })
        #expect(hello["owner"] == "demo")
        #expect(hello["size"] == 87)
        #expect(hello["sha1"]?.stringValue?.count == 40)
        #expect(count(overview, "rosa", "files") == 4)
    }

    @Test func eachTenantSeesItsOwnWorld() throws {
        let harness = try ControlPlaneHarness()
        try harness.tenant("changed").state.database.write { conn in
            try conn.execute("INSERT INTO rosti_companies (name, created) VALUES ('Made in a tenant', 1800000000)")
            try conn.execute("DELETE FROM rosa_files WHERE file_name = 'hello.txt'")
        }
        let changed = try harness.admin("GET", "overview", tenant: "changed").json
        #expect(changed.objectValue?["tenant"] == "changed")
        let newest = rows(changed, "rosti", "companies").first
        #expect(newest?["name"] == "Made in a tenant")
        #expect(newest?["created"] == "2027-01-15T08:00:00.000Z")
        #expect(count(changed, "rosa", "files") == 3)

        let untouched = try harness.admin("GET", "overview").json
        #expect(count(untouched, "rosti", "companies") == 3)
        #expect(count(untouched, "rosa", "files") == 4)
    }

    @Test func aLongListIsCutToItsNewestRowsAndSaysHowManyThereAre() throws {
        let harness = try ControlPlaneHarness()
        let added = ControlPlaneLimits.overviewRowsPerList + 1
        try harness.tenant("crowded").state.database.write { conn in
            for index in 0..<added {
                try conn.execute("INSERT INTO rosti_companies (name, created) VALUES (?, 1)", ["company \(index)"])
            }
        }
        let overview = try harness.admin("GET", "overview", tenant: "crowded").json
        #expect(count(overview, "rosti", "companies") == Double(added + 3))
        let shown = rows(overview, "rosti", "companies")
        #expect(shown.count == ControlPlaneLimits.overviewRowsPerList)
        #expect(shown.first?["name"] == .string("company \(added - 1)"))
    }
}
