#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

@testable import RosaFileStore

/// `GET /api/v1/file_stores/<sha1>` and `GET /download/<sha1>` (reference "Download").
@Suite struct DownloadTests {
    static let seedFiles = shippedSeedDirectory.appendingPathComponent("rosa-files")

    func seedBytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.seedFiles.appendingPathComponent(name)))
    }

    @Test(arguments: [
        "/api/v1/file_stores/\(Seeded.tarballSHA1)", "/api/v1/file_stores/\(Seeded.tarballSHA1).tar.gz",
        "/download/\(Seeded.tarballSHA1)", "/download/\(Seeded.tarballSHA1.uppercased())",
    ])
    func sendsTheBytesAsAnAttachment(_ target: String) throws {
        let response = try RosaTestServer().get(target)
        let expected = try seedBytes("rostra-demo-1.0.tar.gz")
        #expect(response.status == 200)
        #expect(response.body == expected)
        #expect(response.headers["Content-Length"] == String(expected.count))
        #expect(response.headers["Content-Type"] == "application/gzip")
        #expect(response.headers["Content-Disposition"] == #"attachment; filename="rostra-demo-1.0.tar.gz""#)
        #expect(response.headers["ETag"] == "\"\(Seeded.tarballSHA1)\"")
        #expect(response.headers["Accept-Ranges"] == "bytes")
    }

    /// Log links look like `/api/v1/file_stores/<sha1>.log?show=true`.
    @Test func logsAreShownInlineAsPlainText() throws {
        let response = try RosaTestServer().get("/api/v1/file_stores/\(Seeded.logSHA1).log?show=true")
        #expect(response.status == 200)
        #expect(response.body == (try seedBytes("build.log")))
        #expect(response.headers["Content-Type"] == "text/plain")
        #expect(response.headers["Content-Disposition"] == "inline")
    }

    @Test func presentationFollowsTheStoredName() {
        #expect(DownloadPresentation(fileName: "a.txt").contentType == "text/plain")
        #expect(DownloadPresentation(fileName: "a.txt").contentDisposition == "inline")
        #expect(DownloadPresentation(fileName: "x.MD5SUM").contentDisposition == "inline")
        #expect(DownloadPresentation(fileName: "notes.md").contentType == "text/markdown")
        #expect(DownloadPresentation(fileName: "pkg.rpm").contentType == "application/x-rpm")
        #expect(DownloadPresentation(fileName: "README").contentType == "application/octet-stream")
        #expect(DownloadPresentation(fileName: ".bashrc").contentType == "application/octet-stream")
        #expect(
            DownloadPresentation(fileName: #"say "hi"\.bin"#).contentDisposition
                == #"attachment; filename="say \"hi\"\\.bin""#)
    }

    /// The ABF console client resumes a shorter local file with `Range: bytes=N-`.
    @Test func resumesFromAnOffset() throws {
        let server = try RosaTestServer()
        let whole = try seedBytes("rostra-demo-1.0.tar.gz")
        let response = try server.get("/download/\(Seeded.tarballSHA1)", [("Range", "bytes=100-")])
        #expect(response.status == 206)
        #expect(response.body == Array(whole[100...]))
        #expect(response.headers["Content-Length"] == String(whole.count - 100))
        #expect(response.headers["Content-Range"] == "bytes 100-\(whole.count - 1)/\(whole.count)")
        #expect(response.headers["ETag"] == "\"\(Seeded.tarballSHA1)\"")
    }

    @Test(arguments: [
        ("bytes=0-9", 0, 9), ("bytes=10-10", 10, 10), ("bytes=200-100000", 200, 231), ("bytes=-32", 200, 231),
        ("bytes=-1000", 0, 231), ("BYTES = 5-6", 5, 6),
    ])
    func servesOneRange(_ range: String, _ first: Int, _ last: Int) throws {
        let whole = try seedBytes("rostra-demo-1.0.tar.gz")
        #expect(whole.count == 232)
        let response = try RosaTestServer().get("/api/v1/file_stores/\(Seeded.tarballSHA1)", [("Range", range)])
        #expect(response.status == 206)
        #expect(response.body == Array(whole[first...last]))
        #expect(response.headers["Content-Range"] == "bytes \(first)-\(last)/232")
    }

    @Test(arguments: ["bytes=232-", "bytes=1000-2000", "bytes=-0", "bytes=99999999999999999999-"])
    func aRangePastTheEndIs416(_ range: String) throws {
        let response = try RosaTestServer().get("/download/\(Seeded.tarballSHA1)", [("Range", range)])
        #expect(response.status == 416)
        #expect(response.headers["Content-Range"] == "bytes */232")
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(
            response.text == #"{"status": 416, "message": "The requested range is not satisfiable: the file has 232 bytes."}"#)
    }

    /// RFC 9110 §14.2: a Range the server does not understand is ignored, not refused.
    @Test(arguments: ["items=0-5", "bytes=5-2", "bytes=0-1,5-6", "bytes=a-", "bytes=", "bytes=--1"])
    func anIgnoredRangeSendsTheWholeFile(_ range: String) throws {
        let response = try RosaTestServer().get("/download/\(Seeded.tarballSHA1)", [("Range", range)])
        #expect(response.status == 200)
        #expect(response.body.count == 232)
    }

    @Test func ifRangeHonoursTheRangeOnlyForTheCurrentTag() throws {
        let server = try RosaTestServer()
        let current = try server.get(
            "/download/\(Seeded.tarballSHA1)", [("Range", "bytes=10-"), ("If-Range", "\"\(Seeded.tarballSHA1)\"")])
        #expect(current.status == 206)
        let stale = try server.get("/download/\(Seeded.tarballSHA1)", [("Range", "bytes=10-"), ("If-Range", "\"old\"")])
        #expect(stale.status == 200)
        #expect(stale.body.count == 232)
    }

    @Test func aMatchingIfNoneMatchAnswers304() throws {
        let server = try RosaTestServer()
        let tag = "\"\(Seeded.helloSHA1)\""
        for target in ["/download/\(Seeded.helloSHA1)", "/api/v1/file_stores/\(Seeded.helloSHA1).txt"] {
            let response = try server.get(target, [("If-None-Match", tag)])
            #expect(response.status == 304)
            #expect(response.headers["ETag"] == tag)
            #expect(response.body.isEmpty)
        }
        #expect(try server.get("/download/\(Seeded.helloSHA1)", [("If-None-Match", "\"x\"")]).status == 200)
    }

    @Test func headAnnouncesTheLengthWithoutTheBytes() throws {
        let response = try RosaTestServer().request("HEAD", "/download/\(Seeded.tarballSHA1)")
        #expect(response.status == 200)
        #expect(response.headers["Content-Length"] == "232")
        #expect(response.body.isEmpty)
    }

    /// `/download/` is outside `/api/v1`: not counted, no rate-limit headers.
    @Test func onlyTheAPIPathIsRateLimited() throws {
        let server = try RosaTestServer()
        #expect(try server.get("/download/\(Seeded.helloSHA1)").headers["X-RateLimit-Limit"] == nil)
        #expect(try server.get("/api/v1/file_stores/\(Seeded.helloSHA1)").headers["X-RateLimit-Remaining"] == "1999")
    }

    @Test func aDownloadThatStartedSurvivesADelete() throws {
        let server = try RosaTestServer()
        let content = sampleBytes(8 * 1024 * 1024, seed: 42)
        let uploaded = try server.upload(.file(content, filename: "big.bin"))
        #expect(uploaded.status == 201)
        let client = try RawClient(port: server.port)
        try client.send("GET /download/\(sha1(content)) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        // Once the answer's first bytes arrive, the handler has opened the file; the client
        // has not read the rest yet when the delete lands.
        var peeked = [UInt8](repeating: 0, count: 12)
        let count = peeked.withUnsafeMutableBytes { recv(client.descriptor, $0.baseAddress, 12, Int32(MSG_PEEK | MSG_WAITALL)) }
        #expect(count == 12)
        let deleted = try server.request(
            "DELETE", "/api/v1/file_stores/\(sha1(content)).json", headers: [("Authorization", Auth.demo)])
        #expect(deleted.status == 204)
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.body == content)
    }
}
