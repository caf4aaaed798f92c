#if canImport(Glibc)
import Glibc
#endif
import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import HTTP
import Logging
import Store
import Synchronization
import Testing

@testable import RosaFileStore
import TestSupport

/// The repository's shipped seed folder.
let shippedSeedDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("seed-data", isDirectory: true)

/// Seeded users and files (docs/seed-data.md).
enum Seeded {
    static let demoToken = "rosademo00000000000000000000000000000001"
    static let otherToken = "rosademo00000000000000000000000000000002"
    static let adminToken = "rosademo00000000000000000000000000000003"
    static let helloSHA1 = "5e13c3cc20c292bb6dfb325b48dd65e104bddb87"  // hello.txt, demo's
    static let logSHA1 = "b9c4aa80f6b4fc5dc3aa038b9f8b3394c8e4ba6d"  // rostra-demo-1.0-1.x86_64.log, demo's
    static let tarballSHA1 = "ee4bd76fd424c14be5c5dfb8343ffba2650e6a13"  // rostra-demo-1.0.tar.gz, demo's
    static let notesSHA1 = "d20e359e4eebc87c74621fc514e5e2dac0425633"  // notes.md, other's
    static let unknownSHA1 = "0123456789abcdef0123456789abcdef01234567"
}

/// `Authorization` header values.
enum Auth {
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
    static let demo = basic("demo", "demo-password")
    static let other = basic("other", "other-password")
    static let admin = basic("admin", "admin-password")
    static let demoToken = basic(Seeded.demoToken, "")
}

/// A real Rosa listener on a free port, in front of a fresh in-memory state seeded from
/// the shipped seed: the stack `rostra serve` runs, spoken to over sockets.
final class RosaTestServer: Sendable {
    let emulator: Emulator
    let server: HTTPServer
    /// What the server logged at `error` and above: failures of ours, never a client's.
    let errorLog = CapturedLogs(level: .error)
    var port: Int { server.port }
    var state: StateStore { emulator.defaultTenant.state }
    var clock: EmulatorClock { emulator.defaultTenant.clock }

    init(limits: RosaFileStoreLimits = .default, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        let errorLog = self.errorLog
        let logger = errorLog.logger
        let store = try StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        emulator = Emulator(defaultState: store, plugins: EmulatedAPIs.plugins, logger: logger)
        let service = RosaFileStoreService(limits: limits)
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, name: "rosa-test")
        configure(&configuration)
        server = try HTTPServer(
            configuration: configuration, responder: emulator.responder(for: service),
            errorRenderer: service.errorRenderer, logger: logger)
        server.start()
    }

    deinit { server.shutdown(gracePeriod: .seconds(1)) }

    /// One request on a connection of its own (closed after the answer).
    func request(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws -> RawResponse {
        let client = try RawClient(port: port)
        try client.send(Self.requestBytes(method, target, headers: headers, body: body))
        return try client.readResponse(head: method == "HEAD")
    }

    func get(_ target: String, _ headers: [(String, String)] = []) throws -> RawResponse {
        try request("GET", target, headers: headers)
    }

    /// A POST of a multipart body to the upload path.
    func upload(
        _ body: MultipartBody, authorization: String? = Auth.demo, path: String = "/api/v1/upload"
    ) throws -> RawResponse {
        var headers = [("Content-Type", body.contentType)]
        if let authorization { headers.append(("Authorization", authorization)) }
        return try request("POST", path, headers: headers, body: body.bytes)
    }

    static func requestBytes(
        _ method: String, _ target: String, headers: [(String, String)], body: [UInt8]?
    ) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        return Array((head + "\r\n").utf8) + (body ?? [])
    }

    // MARK: What the state holds

    func fileRowCount() throws -> Int {
        try state.database.read { try $0.fetchValue(Int.self, "SELECT count(*) FROM rosa_files") } ?? -1
    }

    func storedHashes() throws -> Set<String> { try state.blobs.storedHashes() }

    /// Temporary files of uploads in progress or abandoned: none may outlive a request.
    func temporaryBlobFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(
            atPath: state.blobs.directory.appendingPathComponent("tmp").path)
    }

    /// Waits until no upload is mid-way: a failed upload's cleanup runs when its handler
    /// ends, which may be just after the answer was read.
    func expectNothingPartialLeft(rows: Int, hashes: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let deadline = Date().addingTimeInterval(5)
        while try !temporaryBlobFiles().isEmpty && Date() < deadline { usleep(2_000) }
        #expect(try temporaryBlobFiles() == [], sourceLocation: sourceLocation)
        #expect(try fileRowCount() == rows, sourceLocation: sourceLocation)
        #expect(try storedHashes() == hashes, sourceLocation: sourceLocation)
    }
}

/// A `multipart/form-data` body as a test spells it: every byte under the test's control.
struct MultipartBody {
    var boundary: String
    var bytes: [UInt8]
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    init(boundary: String = "rostra-test-boundary", rawBytes: [UInt8]) {
        self.boundary = boundary
        self.bytes = rawBytes
    }

    /// One well-formed part per entry; `filename: nil` leaves the parameter out.
    init(
        boundary: String = "rostra-test-boundary",
        parts: [(name: String, filename: String?, contentType: String?, content: [UInt8])]
    ) {
        var bytes: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"" }
            head += "\r\n"
            if let contentType = part.contentType { head += "Content-Type: \(contentType)\r\n" }
            bytes += Array((head + "\r\n").utf8) + part.content + Array("\r\n".utf8)
        }
        bytes += Array("--\(boundary)--\r\n".utf8)
        self.init(boundary: boundary, rawBytes: bytes)
    }

    /// The usual upload: one file part named `file_store[file]`.
    static func file(_ content: [UInt8], filename: String = "upload.bin", contentType: String? = "application/octet-stream")
        -> MultipartBody
    {
        MultipartBody(parts: [(RosaFileStoreLimits.filePartName, filename, contentType, content)])
    }
}

func sha1(_ bytes: [UInt8]) -> String { SHA1.hexDigest(of: bytes) }

/// Deterministic bytes that no seed file has: `count` bytes from a seed.
func sampleBytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}
