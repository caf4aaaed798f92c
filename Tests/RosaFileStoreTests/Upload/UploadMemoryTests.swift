#if canImport(Glibc)
import Glibc
#endif
import Emulator
import Foundation
import Testing

@testable import RosaFileStore

/// A 64 MB upload and its download through the built `rostra`, in a process of its own so
/// that its resident memory can be read from /proc without other tests' allocations mixed
/// in. Streaming means the growth stays far below the file's size.
@Suite struct UploadMemoryTests {
    static let fileBytes = 64 * 1024 * 1024
    static let allowedGrowthBytes = 32 * 1024 * 1024

    @Test func a64MBUploadAndDownloadKeepMemoryBounded() throws {
        let rostra = try RostraChild()
        defer { rostra.stop() }

        // Warm up every path once, so lazily made things (a connection thread, SQLite's
        // statement cache, the SHA-1 buffers) are not counted as growth.
        let warmUp = MultipartBody.file(sampleBytes(300_000, seed: 77))
        let warmed = try request(port: rostra.rosaPort, upload: warmUp)
        #expect(warmed.status == 201)
        _ = try RawClient(port: rostra.rosaPort).get("/download/\(sha1(sampleBytes(300_000, seed: 77)))")
        let baseline = try rostra.memory().resident

        // The body is generated piece by piece as it is sent; the hash alongside.
        let boundary = "0123456789abcdef0123456789abcdef"  // a uuid4 hex, as the ABF client's
        let head = bytes(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"big/image.iso\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n")
        let tail = bytes("\r\n--\(boundary)--\r\n")
        let client = try RawClient(port: rostra.rosaPort, receiveTimeout: 120)
        try client.send(
            "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: \(Auth.demo)\r\n"
                + "Content-Type: multipart/form-data; boundary=\(boundary)\r\n"
                + "Content-Length: \(head.count + Self.fileBytes + tail.count)\r\n\r\n")
        try client.send(head)
        // One random MiB, stamped with its index so that no two pieces are alike: making
        // 64 MB of fresh random bytes in a debug build takes longer than the whole upload.
        let piece = sampleBytes(1024 * 1024, seed: 1000)
        func stamped(_ index: Int) -> [UInt8] {
            var bytes = piece
            withUnsafeBytes(of: UInt64(index)) { bytes.replaceSubrange(0..<8, with: $0) }
            return bytes
        }
        let pieceCount = Self.fileBytes / piece.count
        for index in 0..<pieceCount { try client.send(stamped(index)) }
        try client.send(tail)
        let response = try client.readResponse()
        #expect(response.status == 201)
        let hash = String(response.text.dropFirst(#"{"sha1_hash": ""#.count).prefix(40))
        #expect(response.text == #"{"sha1_hash": "\#(hash)"}"#)
        let afterUpload = try rostra.memory()
        #expect(afterUpload.peak - baseline < Self.allowedGrowthBytes, "peak \(afterUpload.peak), baseline \(baseline)")

        // The same bytes come back (the server's hashing itself is checked on small files).
        let download = try RawClient(port: rostra.rosaPort, receiveTimeout: 120).get("/download/\(hash)")
        #expect(download.status == 200)
        #expect(download.headers["Content-Length"] == String(Self.fileBytes))
        #expect(download.headers["Content-Disposition"] == #"attachment; filename="image.iso""#)
        // memcmp: comparing 64 MB element by element takes seconds in a debug build.
        let mismatched = download.body.withUnsafeBytes { received in
            (0..<pieceCount).first { index in
                received.count != Self.fileBytes
                    || stamped(index).withUnsafeBytes { memcmp(received.baseAddress! + index * piece.count, $0.baseAddress!, piece.count) } != 0
            }
        }
        #expect(mismatched == nil)
        let afterDownload = try rostra.memory()
        #expect(afterDownload.peak - baseline < Self.allowedGrowthBytes, "peak \(afterDownload.peak), baseline \(baseline)")
    }

    func request(port: Int, upload body: MultipartBody) throws -> RawResponse {
        let client = try RawClient(port: port)
        try client.send(RosaTestServer.requestBytes(
            "POST", "/api/v1/upload", headers: [("Content-Type", body.contentType), ("Authorization", Auth.demo)],
            body: body.bytes))
        return try client.readResponse()
    }
}

extension RawClient {
    func get(_ target: String) throws -> RawResponse {
        try send("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return try readResponse()
    }
}

/// The built `rostra serve` on free ports with a throwaway state.
final class RostraChild {
    let process = Process()
    let rosaPort: Int
    private let output = Pipe()

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        process.executableURL = try Self.executable()
        process.arguments = [
            "serve", "--db", ":memory:", "--rosti-port", "0", "--rosa-port", "0", "--log-level", "warning",
            "--seed", shippedSeedDirectory.path,
        ]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ROSTRA_") }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var banner = ""
        let handle = output.fileHandleForReading
        while !banner.contains("Seed credentials") {
            let data = handle.availableData
            guard !data.isEmpty else { throw Failure(description: "rostra ended before its banner: \(banner)") }
            banner += String(decoding: data, as: UTF8.self)
        }
        guard let line = banner.split(separator: "\n").first(where: { $0.contains("Rosa File Store API") }),
            let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") }),
            let port = Int(url.split(separator: ":").last?.filter(\.isNumber) ?? "")
        else { throw Failure(description: "no Rosa port in the banner: \(banner)") }
        rosaPort = port
    }

    /// The executable is built beside the test binary (`.build/debug/rostra`).
    static func executable() throws -> URL {
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("rostra")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw Failure(description: "rostra was not built beside the test binary")
    }

    /// Resident memory now and its peak so far, in bytes (`VmRSS`, `VmHWM`).
    func memory() throws -> (resident: Int, peak: Int) {
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        func kilobytes(_ field: String) throws -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
                let value = Int(line.split(separator: " ").dropFirst().first ?? "")
            else { throw Failure(description: "no \(field) in /proc status") }
            return value * 1024
        }
        return (try kilobytes("VmRSS"), try kilobytes("VmHWM"))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
