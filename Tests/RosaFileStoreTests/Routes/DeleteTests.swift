import Testing

@testable import RosaFileStore

/// `DELETE /api/v1/file_stores/<sha1>.json` (reference "Delete").
@Suite struct DeleteTests {
    @Test(arguments: [".json", "", ".log"])
    func theOwnerDeletesRowAndBytes(_ suffix: String) throws {
        let server = try RosaTestServer()
        let response = try server.request(
            "DELETE", "/api/v1/file_stores/\(Seeded.helloSHA1)\(suffix)", headers: [("Authorization", Auth.demo)])
        #expect(response.status == 204)
        #expect(response.body.isEmpty)
        #expect(response.headers["Content-Type"] == nil)
        #expect(try server.fileRowCount() == 3)
        #expect(try !server.storedHashes().contains(Seeded.helloSHA1))
        #expect(try server.get("/api/v1/file_stores.json?hash=\(Seeded.helloSHA1)").text == "[]")
        #expect(try server.get("/download/\(Seeded.helloSHA1)").status == 404)
        // Gone is gone: a second delete finds nothing.
        let again = try server.request("DELETE", "/api/v1/file_stores/\(Seeded.helloSHA1).json", headers: [("Authorization", Auth.demo)])
        #expect(again.status == 404)
        #expect(again.text == #"{"status": 404, "message": "Error 404. Resource not found!"}"#)
    }

    @Test func anotherUserIsRefusedAndNothingChanges() throws {
        let server = try RosaTestServer()
        let response = try server.request(
            "DELETE", "/api/v1/file_stores/\(Seeded.notesSHA1).json", headers: [("Authorization", Auth.demo)])
        #expect(response.status == 403)
        #expect(response.text == #"{"message": "Access violation to this page!"}"#)
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(try server.fileRowCount() == 4)
        #expect(try server.storedHashes().contains(Seeded.notesSHA1))
    }

    @Test func anAdminDeletesAnyonesFile() throws {
        let server = try RosaTestServer()
        let response = try server.request(
            "DELETE", "/api/v1/file_stores/\(Seeded.notesSHA1).json",
            headers: [("Authorization", Auth.basic(Seeded.adminToken, ""))])
        #expect(response.status == 204)
        #expect(try !server.storedHashes().contains(Seeded.notesSHA1))
    }

    /// Credentials first: an anonymous caller learns nothing about which hashes exist.
    @Test(arguments: [Seeded.helloSHA1, Seeded.unknownSHA1, "not-a-hash"])
    func credentialsAreCheckedBeforeTheLookup(_ hash: String) throws {
        let server = try RosaTestServer()
        let anonymous = try server.request("DELETE", "/api/v1/file_stores/\(hash).json")
        #expect(anonymous.status == 401)
        #expect(anonymous.text == #"{"error": "You need to sign in or sign up before continuing."}"#)
        let wrong = try server.request(
            "DELETE", "/api/v1/file_stores/\(hash).json", headers: [("Authorization", Auth.basic("demo", "nope"))])
        #expect(wrong.status == 401)
        #expect(wrong.text == #"{"error": "Invalid email or password."}"#)
        #expect(try server.fileRowCount() == 4)
    }

    @Test func anUnknownHashIs404ForASignedInUser() throws {
        let response = try RosaTestServer().request(
            "DELETE", "/api/v1/file_stores/\(Seeded.unknownSHA1).json", headers: [("Authorization", Auth.admin)])
        #expect(response.status == 404)
    }
}
