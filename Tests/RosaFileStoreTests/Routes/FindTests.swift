import Testing

@testable import RosaFileStore
import TestSupport

/// `GET /api/v1/file_stores.json?hash=…` (reference "Find").
@Suite struct FindTests {
    @Test(arguments: ["/api/v1/file_stores.json", "/api/v1/file_stores"])
    func findsAFileByHashOnBothPaths(_ path: String) throws {
        let response = try RosaTestServer().get("\(path)?hash=\(Seeded.notesSHA1)")
        #expect(response.status == 200)
        #expect(
            response.text
                == #"[{"sha1_hash": "d20e359e4eebc87c74621fc514e5e2dac0425633", "file_name": "notes.md", "user": {"id": 2, "uname": "other"}}]"#
        )
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(response.headers["ETag"] == "\"\(sha1(response.body))\"")
    }

    @Test(arguments: [
        "?hash=\(Seeded.unknownSHA1)", "", "?hash=", "?other=1", "?hash=not-a-hash", "?hash=%27%20OR%201%3D1",
    ])
    func answersAnEmptyArrayWhenNothingMatches(_ query: String) throws {
        let response = try RosaTestServer().get("/api/v1/file_stores.json\(query)")
        #expect(response.status == 200)
        #expect(response.text == "[]")
        #expect(response.headers["ETag"] == "\"\(sha1(bytes("[]")))\"")
    }

    /// Finds are answered from memory while the data is unchanged; a delete or an upload
    /// shows in the very next find.
    @Test func aFindAfterADeleteOrAnUploadSeesIt() throws {
        let server = try RosaTestServer()
        let find = "/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)"
        #expect(try server.get(find).text.contains(Seeded.helloSHA1))
        #expect(try server.get(find).text.contains(Seeded.helloSHA1))
        #expect(try server.request("DELETE", "/api/v1/file_stores/\(Seeded.helloSHA1).json", headers: [("Authorization", Auth.demo)]).status == 204)
        #expect(try server.get(find).text == "[]")
        let content = sampleBytes(1000, seed: 42)
        let lookup = "/api/v1/file_stores.json?hash=\(sha1(content))"
        #expect(try server.get(lookup).text == "[]")
        #expect(try server.upload(MultipartBody.file(content)).status == 201)
        #expect(try server.get(lookup).text.contains(sha1(content)))
    }

    @Test func hashesCompareCaseInsensitively() throws {
        let response = try RosaTestServer().get("/api/v1/file_stores.json?hash=\(Seeded.helloSHA1.uppercased())")
        #expect(response.text.contains(#""sha1_hash": "5e13c3cc20c292bb6dfb325b48dd65e104bddb87""#))
    }

    /// The ABF console client caches the answer by ETag and sends If-None-Match next time.
    @Test func aMatchingIfNoneMatchAnswers304() throws {
        let server = try RosaTestServer()
        let target = "/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)"
        let first = try server.get(target, [("Authorization", Auth.demo)])
        let tag = try #require(first.headers["ETag"])
        for condition in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
            let cached = try server.get(target, [("Authorization", Auth.demo), ("If-None-Match", condition)])
            #expect(cached.status == 304, "\(condition)")
            #expect(cached.headers["ETag"] == tag)
            #expect(cached.body.isEmpty)
        }
        let changed = try server.get(target, [("If-None-Match", "\"stale\"")])
        #expect(changed.status == 200)
        #expect(changed.body == first.body)
        // Another answer has another tag.
        let empty = try server.get("/api/v1/file_stores.json?hash=\(Seeded.unknownSHA1)", [("If-None-Match", tag)])
        #expect(empty.status == 200)
        #expect(empty.text == "[]")
    }

    @Test func headIsAnsweredLikeGetWithoutTheBody() throws {
        let server = try RosaTestServer()
        let response = try server.request("HEAD", "/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)")
        #expect(response.status == 200)
        #expect(response.headers["Content-Length"] == "121")
        #expect(response.headers["ETag"] != nil)
    }
}
