#if canImport(Glibc)
import Glibc
import HTTP
#endif
import Dispatch
import Emulator
import Foundation
import Primitives
import Store
import Synchronization
import Testing

@testable import RosaFileStore
import TestSupport

/// `POST /api/v1/upload` end to end: what is stored, what is answered, and that a refused
/// upload leaves no row, no blob and no temporary file behind.
@Suite struct UploadTests {
    static let seededHashes: Set<String> = [Seeded.helloSHA1, Seeded.logSHA1, Seeded.tarballSHA1, Seeded.notesSHA1]

    struct StoredRow: Equatable {
        var fileName: String
        var size: Int64
        var contentType: String?
        var userID: Int64
        var created: Double
    }

    func row(_ server: RosaTestServer, _ sha1: String) throws -> StoredRow? {
        try server.state.database.read { conn in
            try conn.fetchOne("SELECT file_name, size, content_type, user_id, created FROM rosa_files WHERE sha1 = ?", [sha1])
                .map { StoredRow(fileName: try $0["file_name"], size: try $0["size"], contentType: try $0["content_type"],
                                 userID: try $0["user_id"], created: try $0["created"]) }
        }
    }

    // MARK: Accepted

    @Test(arguments: ["/api/v1/upload", "/api/v1/upload.json"])
    func storesTheFileAndAnswersItsHash(_ path: String) throws {
        let server = try RosaTestServer()
        server.clock.set(mode: .frozen, now: 1_700_000_000.5)
        let content = bytes("hello from a test\n")
        let response = try server.upload(.file(content, filename: "notes.txt", contentType: "text/plain"), path: path)
        #expect(response.status == 201)
        #expect(response.text == #"{"sha1_hash": "\#(sha1(content))"}"#)
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(response.headers["ETag"] == "\"\(sha1(response.body))\"")
        #expect(response.headers["Location"] == nil)
        #expect(
            try row(server, sha1(content))
                == StoredRow(fileName: "notes.txt", size: Int64(content.count), contentType: "text/plain", userID: 1, created: 1_700_000_000.5))
        #expect(try server.state.blobs.contents(of: sha1(content)) == content)
        #expect(try server.get("/download/\(sha1(content))").body == content)
        let found = try server.get("/api/v1/file_stores.json?hash=\(sha1(content))")
        #expect(found.text == #"[{"sha1_hash": "\#(sha1(content))", "file_name": "notes.txt", "user": {"id": 1, "uname": "demo"}}]"#)
        try server.expectNothingPartialLeft(rows: 5, hashes: Self.seededHashes.union([sha1(content)]))
    }

    /// `curl --user TOKEN: -F "file_store[file]=@file"`: the file belongs to the token's user.
    @Test func aTokenUploadBelongsToTheTokensUser() throws {
        let server = try RosaTestServer()
        let content = sampleBytes(5000)
        let response = try server.upload(.file(content), authorization: Auth.basic(Seeded.otherToken, ""))
        #expect(response.status == 201)
        #expect(try row(server, sha1(content))?.userID == 2)
    }

    @Test(arguments: [
        ("/home/me/rpmbuild/SOURCES/kernel.tar.gz2", "kernel.tar.gz2"),
        (#"C:\Users\me\build log.txt"#, "build_log.txt"),
        ("ünïcode näme.rpm", "_n_code_n_me.rpm"),
        ("", "unnamed"),
    ])
    func storesTheBasenameMadeSafe(_ sent: String, _ stored: String) throws {
        let server = try RosaTestServer()
        let content = sampleBytes(100, seed: UInt64(sent.utf8.count + 7))
        #expect(try server.upload(.file(content, filename: sent)).status == 201)
        #expect(try row(server, sha1(content))?.fileName == stored)
    }

    @Test func aPartWithoutFilenameIsStoredAsUnnamed() throws {
        let server = try RosaTestServer()
        let content = bytes("a plain field")
        #expect(try server.upload(MultipartBody(parts: [(RosaFileStoreLimits.filePartName, nil, nil, content)])).status == 201)
        #expect(try row(server, sha1(content)) == StoredRow(fileName: "unnamed", size: 13, contentType: nil, userID: 1, created: try row(server, sha1(content))!.created))
    }

    @Test func otherPartsAreIgnoredAndTheFirstFilePartWins() throws {
        let server = try RosaTestServer()
        let file = sampleBytes(3000, seed: 3)
        let body = MultipartBody(parts: [
            ("utf8", nil, nil, bytes("✓")),
            ("file_store[description]", nil, nil, bytes("something")),
            (RosaFileStoreLimits.filePartName, "first.bin", nil, file),
            ("other[file]", "other.bin", "application/octet-stream", sampleBytes(700, seed: 4)),
            (RosaFileStoreLimits.filePartName, "second.bin", nil, sampleBytes(900, seed: 5)),
        ])
        let response = try server.upload(body)
        #expect(response.status == 201)
        #expect(response.text == #"{"sha1_hash": "\#(sha1(file))"}"#)
        #expect(try row(server, sha1(file))?.fileName == "first.bin")
        try server.expectNothingPartialLeft(rows: 5, hashes: Self.seededHashes.union([sha1(file)]))
    }

    /// Parameters quoted or not, a quoted boundary, bare LF where no content is at stake,
    /// transport padding after a delimiter, a preamble and an epilogue.
    @Test func readsTheSyntaxVariantsClientsSend() throws {
        let server = try RosaTestServer()
        let file = bytes("line one\r\nline two\n\r\n--not the boundary\r\n")
        let raw = bytes("preamble to ignore\r\n--b0undary \t\n")
            + bytes("content-disposition: FORM-DATA; NAME=file_store[file];filename=plain.txt\n")
            + bytes("Content-Type: text/plain\n\n") + file
            + bytes("\r\n--b0undary--\r\nepilogue to ignore")
        let body = MultipartBody(boundary: "b0undary", rawBytes: raw)
        let response = try server.request(
            "POST", "/api/v1/upload",
            headers: [("Content-Type", #"Multipart/Form-Data; charset=utf-8; boundary="b0undary""#), ("Authorization", Auth.demo)],
            body: body.bytes)
        #expect(response.status == 201)
        #expect(try server.state.blobs.contents(of: sha1(file)) == file)
        #expect(try row(server, sha1(file))?.fileName == "plain.txt")
    }

    /// The body arrives in small pieces, so that delimiters, part headers and the close
    /// delimiter are split across reads at many places.
    @Test(arguments: [1, 3, 7, 13])
    func aBodyArrivingInPiecesIsReadWhole(_ pieceSize: Int) throws {
        let server = try RosaTestServer()
        let file = sampleBytes(300, seed: UInt64(pieceSize)) + bytes("\r\n--rostra-test-boundar") + sampleBytes(50)
        let body = MultipartBody.file(file, filename: "pieces.bin")
        let client = try RawClient(port: server.port)
        try client.send(RosaTestServer.requestBytes(
            "POST", "/api/v1/upload", headers: [("Content-Type", body.contentType), ("Authorization", Auth.demo)], body: nil)
            .dropLast(2) + bytes("Content-Length: \(body.bytes.count)\r\n\r\n"))
        for start in stride(from: 0, to: body.bytes.count, by: pieceSize) {
            try client.send(Array(body.bytes[start..<min(start + pieceSize, body.bytes.count)]))
            if start % (pieceSize * 16) == 0 { usleep(200) }
        }
        let response = try client.readResponse()
        #expect(response.status == 201)
        #expect(try server.state.blobs.contents(of: sha1(file)) == file)
    }

    @Test func aChunkedBodyIsAccepted() throws {
        let server = try RosaTestServer()
        let file = sampleBytes(70_000, seed: 9)
        let body = MultipartBody.file(file)
        var wire = bytes("POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n")
            + bytes("Content-Type: \(body.contentType)\r\nAuthorization: \(Auth.demo)\r\n\r\n")
        for start in stride(from: 0, to: body.bytes.count, by: 10_000) {
            let piece = body.bytes[start..<min(start + 10_000, body.bytes.count)]
            wire += bytes(String(piece.count, radix: 16) + "\r\n") + piece + bytes("\r\n")
        }
        wire += bytes("0\r\n\r\n")
        let client = try RawClient(port: server.port)
        try client.send(wire)
        #expect(try client.readResponse().status == 201)
        #expect(try server.state.blobs.contents(of: sha1(file)) == file)
    }

    /// curl sends `Expect: 100-continue` before a large body.
    @Test func expectContinueIsAnswered() throws {
        let server = try RosaTestServer()
        let body = MultipartBody.file(sampleBytes(2000, seed: 11))
        let client = try RawClient(port: server.port)
        try client.send(
            "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\n"
                + "Content-Type: \(body.contentType)\r\nAuthorization: \(Auth.demo)\r\nContent-Length: \(body.bytes.count)\r\n\r\n")
        #expect(try client.readInterimLine() == "HTTP/1.1 100 Continue")
        try client.send(body.bytes)
        #expect(try client.readResponse().status == 201)
    }

    // MARK: Refused, leaving nothing behind

    @Test func theSameContentAgainIs422WithTheDocumentedBody() throws {
        let server = try RosaTestServer()
        let content = sampleBytes(4096, seed: 21)
        #expect(try server.upload(.file(content, filename: "a.bin")).status == 201)
        let before = try row(server, sha1(content))
        let again = try server.upload(.file(content, filename: "b.bin"), authorization: Auth.other)
        #expect(again.status == 422)
        #expect(again.text == #"{"sha1_hash": ["'\#(sha1(content))' - file already exists"]}"#)
        #expect(again.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(try row(server, sha1(content)) == before)
        #expect(try server.state.blobs.contents(of: sha1(content)) == content)
        try server.expectNothingPartialLeft(rows: 5, hashes: Self.seededHashes.union([sha1(content)]))
    }

    /// The duplicate check and the insert are one transaction: of several uploads of the
    /// same content at once, exactly one is stored.
    @Test func concurrentUploadsOfTheSameContentStoreItOnce() throws {
        let server = try RosaTestServer()
        let content = sampleBytes(2_000_000, seed: 23)
        let users = [Auth.demo, Auth.other, Auth.admin, Auth.demoToken, Auth.basic(Seeded.otherToken, ""), Auth.basic(Seeded.adminToken, "")]
        let statuses = AdaptiveMutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: users.count) { index in
            let status = (try? server.upload(.file(content, filename: "same-\(index).bin"), authorization: users[index]).status) ?? -1
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0.sorted() } == [201, 422, 422, 422, 422, 422])
        #expect(try server.state.blobs.contents(of: sha1(content)) == content)
        try server.expectNothingPartialLeft(rows: 5, hashes: Self.seededHashes.union([sha1(content)]))
    }

    @Test func aSeededFileIsADuplicateToo() throws {
        let server = try RosaTestServer()
        let hello = Array(try Data(contentsOf: shippedSeedDirectory.appendingPathComponent("rosa-files/hello.txt")))
        let response = try server.upload(.file(hello, filename: "hello.txt"), authorization: Auth.admin)
        #expect(response.status == 422)
        #expect(response.text == #"{"sha1_hash": ["'\#(Seeded.helloSHA1)' - file already exists"]}"#)
        try server.expectNothingPartialLeft(rows: 4, hashes: Self.seededHashes)
    }

    @Test func anEmptyFileIs422CantBeBlank() throws {
        let server = try RosaTestServer()
        let response = try server.upload(.file([], filename: "empty.txt"))
        #expect(response.status == 422)
        #expect(response.text == #"{"file": ["can't be blank"]}"#)
        try server.expectNothingPartialLeft(rows: 4, hashes: Self.seededHashes)
    }

    static let refusedBodies: [(String, String?, [UInt8], Int, String)] = [
        ("no file part", "multipart/form-data; boundary=b",
         bytes("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\nabc\r\n--b--\r\n"),
         400, "The request has no file part named file_store[file]."),
        ("no parts at all", "multipart/form-data; boundary=b", bytes("--b--\r\n"),
         400, "The request has no file part named file_store[file]."),
        ("truncated inside the file", "multipart/form-data; boundary=b",
         bytes("--b\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"x\"\r\n\r\nabc def"),
         400, "The request body ended before the closing multipart boundary."),
        ("no close delimiter", "multipart/form-data; boundary=b",
         bytes("--b\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"x\"\r\n\r\nabc\r\n--b\r\n"),
         400, "The request body ended before the closing multipart boundary."),
        ("boundary not in the body", "multipart/form-data; boundary=b", bytes("just some bytes"),
         400, "The request body does not contain the multipart boundary named in its Content-Type."),
        ("empty body", "multipart/form-data; boundary=b", [],
         400, "The request body does not contain the multipart boundary named in its Content-Type."),
        ("no boundary parameter", "multipart/form-data", bytes("--b--\r\n"),
         400, "The request's Content-Type has no boundary parameter."),
        ("not multipart", "application/json", bytes("{}"),
         400, "The request's Content-Type is 'application/json'; expected multipart/form-data."),
        ("no content type", nil, bytes("x"),
         400, "The request has no Content-Type; expected multipart/form-data."),
        ("part without disposition", "multipart/form-data; boundary=b", bytes("--b\r\nContent-Type: text/plain\r\n\r\nabc\r\n--b--\r\n"),
         400, "A part in the request body has no Content-Disposition header."),
    ]

    @Test(arguments: refusedBodies)
    func aBadBodyIsAClear4xxAndStoresNothing(_ scenario: (String, String?, [UInt8], Int, String)) throws {
        let (name, contentType, body, status, message) = scenario
        let server = try RosaTestServer()
        var headers = [("Authorization", Auth.demo)]
        if let contentType { headers.append(("Content-Type", contentType)) }
        let response = try server.request("POST", "/api/v1/upload", headers: headers, body: body)
        #expect(response.status == status, "\(name)")
        #expect(response.text == #"{"status": \#(status), "message": "\#(message)"}"#, "\(name)")
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        try server.expectNothingPartialLeft(rows: 4, hashes: Self.seededHashes)
    }

    @Test func anUploadWithoutCredentialsIs401AndStoresNothing() throws {
        let server = try RosaTestServer()
        let anonymous = try server.upload(.file(sampleBytes(10)), authorization: nil)
        #expect(anonymous.status == 401)
        #expect(anonymous.text == #"{"error": "You need to sign in or sign up before continuing."}"#)
        let wrong = try server.upload(.file(sampleBytes(10)), authorization: Auth.basic("demo", "x"))
        #expect(wrong.status == 401)
        #expect(wrong.text == #"{"error": "Invalid email or password."}"#)
        try server.expectNothingPartialLeft(rows: 4, hashes: Self.seededHashes)
    }

    // MARK: Size limit

    @Test func theConfiguredMaximumIsAllowedAndOneByteMoreIs413() throws {
        let server = try RosaTestServer(limits: RosaFileStoreLimits(maximumUploadBytes: 1000))
        let justRight = sampleBytes(1000, seed: 31)
        #expect(try server.upload(.file(justRight)).status == 201)
        let tooBig = try server.upload(.file(sampleBytes(1001, seed: 32)))
        #expect(tooBig.status == 413)
        #expect(tooBig.text == #"{"status": 413, "message": "The file is larger than the maximum upload size of 1000 bytes."}"#)
        #expect(tooBig.headers["Content-Type"] == "application/json; charset=utf-8")
        try server.expectNothingPartialLeft(rows: 5, hashes: Self.seededHashes.union([sha1(justRight)]))
    }

    /// A declared length past the file limit plus the form overhead is refused before any
    /// body byte is read: a client waiting for 100 Continue never sends its body.
    @Test func aDeclaredLengthFarTooLargeIsRefusedBeforeTheBody() throws {
        let limits = RosaFileStoreLimits(maximumUploadBytes: 1000, maximumFormOverheadBytes: 500)
        let server = try RosaTestServer(limits: limits)
        let client = try RawClient(port: server.port)
        try client.send(
            "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                + "Content-Type: multipart/form-data; boundary=b\r\nAuthorization: \(Auth.demo)\r\nContent-Length: 1501\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.text == #"{"status": 413, "message": "The file is larger than the maximum upload size of 1000 bytes."}"#)
        #expect(response.headers["Connection"] == "close")
        try server.expectNothingPartialLeft(rows: 4, hashes: Self.seededHashes)
    }

    @Test func aChunkedBodyIsHeldToTheSameBound() throws {
        let server = try RosaTestServer(limits: RosaFileStoreLimits(maximumUploadBytes: 1000, maximumFormOverheadBytes: 200))
        // Many small ignored parts: the file itself is small, the body is not.
        let filler = (0..<40).map { ("pad\($0)", String?.none, String?.none, sampleBytes(100, seed: UInt64($0))) }
        let body = MultipartBody(parts: [(RosaFileStoreLimits.filePartName, "f.bin", nil, sampleBytes(10))] + filler)
        var wire = bytes("POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n")
            + bytes("Content-Type: \(body.contentType)\r\nAuthorization: \(Auth.demo)\r\n\r\n")
        wire += bytes(String(body.bytes.count, radix: 16) + "\r\n") + body.bytes + bytes("\r\n0\r\n\r\n")
        let client = try RawClient(port: server.port)
        try client.send(wire)
        #expect(try client.readResponse().status == 413)
        try server.expectNothingPartialLeft(rows: 4, hashes: Self.seededHashes)
    }

    // MARK: Clients that go away

    @Test func aClientThatDisconnectsMidBodyLeavesNothing() throws {
        let server = try RosaTestServer()
        let body = MultipartBody.file(sampleBytes(1_000_000, seed: 41))
        do {
            let client = try RawClient(port: server.port)
            try client.send(RosaTestServer.requestBytes(
                "POST", "/api/v1/upload", headers: [("Content-Type", body.contentType), ("Authorization", Auth.demo)],
                body: body.bytes).dropLast(400_000).map { $0 })
            usleep(50_000)
        }  // closed here, 400 kB short
        try server.expectNothingPartialLeft(rows: 4, hashes: Self.seededHashes)
        // A client going away is not a failure of ours.
        #expect(server.errorLog.messages == [])
    }
}
