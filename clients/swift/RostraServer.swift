// RostraServer.swift: runs Rostra, the local emulator of the Rosti API and the Rosa File
// Store API, for the tests of one test case or suite. Copy this file into your test target;
// it needs only Foundation. Documented in docs/ci.md of the Rostra repository.
//
//     final class UploadTests: XCTestCase {
//         var rostra: RostraServer!
//         override func setUp() async throws { rostra = try await RostraServer.start() }
//         override func tearDown() { rostra.stop() }
//
//         func testUpload() async throws {
//             let tenant = rostra.makeTenant()            // or: try await rostra.reset()
//             var request = URLRequest(url: rostra.rosaURL.appendingPathComponent("api/v1/check"))
//             tenant.apply(to: &request)
//             …
//         }
//     }
//
// Which `rostra` runs: the `executable` argument, else $ROSTRA_BINARY, else `rostra` on PATH.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `rostra serve` child process on free ports with a fresh database in a temporary
/// folder. `start()` returns once both APIs answer their health check; `stop()` ends it.
final class RostraServer {
    /// The seed's well-known development credentials (docs/seed-data.md in Rostra).
    static let rostiToken = "rostidemo0000000000000000000000000000001"
    static let rosaUser = (name: "demo", password: "demo-password")

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let process: Process
    let folder: URL
    /// `http://127.0.0.1:<port>/`: the Rosti API.
    let rostiURL: URL
    /// `http://127.0.0.1:<port>/`: the Rosa File Store API.
    let rosaURL: URL
    /// The admin API (served on both ports): `http://127.0.0.1:<port>/__admin/`.
    var adminURL: URL { rostiURL.appendingPathComponent("__admin/") }
    var rostiPort: Int { rostiURL.port ?? 0 }
    var rosaPort: Int { rosaURL.port ?? 0 }

    private init(process: Process, folder: URL, rostiURL: URL, rosaURL: URL) {
        self.process = process
        self.folder = folder
        self.rostiURL = rostiURL
        self.rosaURL = rosaURL
    }

    /// Starts `rostra serve --rosti-port 0 --rosa-port 0 --db <temporary folder> --ready-file …`
    /// plus `arguments`, learns the ports from the ready file and waits for health.
    static func start(executable: URL? = nil, arguments: [String] = [], timeout: TimeInterval = 60) async throws -> RostraServer {
        let binary = try executable ?? locateExecutable()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rostra-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let readyFile = folder.appendingPathComponent("ready.json")
        let log = folder.appendingPathComponent("rostra.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)

        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--rosti-port", "0", "--rosa-port", "0",
                             "--db", folder.appendingPathComponent("rostra.sqlite").path,
                             "--ready-file", readyFile.path, "--log-level", "warning"] + arguments
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        try? logHandle.close()

        func fail(_ reason: String) -> Failure {
            if process.isRunning { process.terminate(); process.waitUntilExit() }
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: folder)
            return Failure(description: "\(reason)\n\(output)")
        }

        // Rostra writes the ready file (whole, by a rename) once both APIs listen.
        let deadline = Date().addingTimeInterval(timeout)
        while !FileManager.default.fileExists(atPath: readyFile.path) {
            guard process.isRunning else { throw fail("rostra exited with \(process.terminationStatus) before it was ready") }
            guard Date() < deadline else { throw fail("rostra was not ready within \(timeout) s") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        struct Ready: Decodable {
            struct Listener: Decodable { let port: Int; let url: String }
            let rosti: Listener
            let rosa: Listener
        }
        let ready: Ready
        do {
            ready = try JSONDecoder().decode(Ready.self, from: Data(contentsOf: readyFile))
        } catch {
            throw fail("unreadable ready file: \(error)")
        }
        guard let rostiURL = URL(string: ready.rosti.url), let rosaURL = URL(string: ready.rosa.url) else {
            throw fail("ready file without URLs")
        }
        let server = RostraServer(process: process, folder: folder, rostiURL: rostiURL, rosaURL: rosaURL)
        for base in [rostiURL, rosaURL] {
            while true {
                if (try? await server.send("GET", base.appendingPathComponent("__admin/health")))?.status == 200 { break }
                guard Date() < deadline else { throw fail("\(base) did not answer its health check") }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
        }
        return server
    }

    private static func locateExecutable() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["ROSTRA_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
        for folder in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("rostra")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw Failure(description: "no rostra: set ROSTRA_BINARY or put rostra on PATH")
    }

    /// SIGTERM, waits for the graceful shutdown, removes the temporary folder; the exit
    /// status (0 after a clean shutdown).
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { stop() }
    }

    // MARK: The admin API (docs/admin-api.md)

    /// Puts a tenant (default: the default one) back as new: data, files, clock, fault
    /// rules, journal and rate-limit counters.
    func reset(tenant: String? = nil) async throws {
        _ = try await admin("POST", "reset", tenant: tenant)
    }

    /// A tenant with a fresh name: made from the seed on its first request.
    func makeTenant() -> Tenant {
        Tenant(name: "t-" + UUID().uuidString.prefix(13).lowercased())
    }

    /// Deletes a tenant and everything it holds.
    func delete(_ tenant: Tenant) async throws {
        _ = try await admin("DELETE", "tenants/\(tenant.name)")
    }

    /// One admin call; the JSON answer's bytes. A status other than 2xx throws.
    func admin(_ method: String, _ path: String, json body: String? = nil, tenant: String? = nil) async throws -> Data {
        var headers = ["Content-Type": "application/json"]
        if let tenant { headers["X-Rostra-Tenant"] = tenant }
        let (status, data) = try await send(method, adminURL.appendingPathComponent(path), headers: headers, body: body.map { Data($0.utf8) })
        guard (200..<300).contains(status) else {
            throw Failure(description: "\(method) /__admin/\(path): \(status) \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    /// One request to either API or the admin API: (status, body).
    func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: url, timeoutInterval: 30)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// A tenant of one test: an isolated world in the same Rostra (`X-Rostra-Tenant`).
    struct Tenant: Sendable {
        let name: String
        var headers: [String: String] { ["X-Rostra-Tenant": name] }

        func apply(to request: inout URLRequest) {
            request.setValue(name, forHTTPHeaderField: "X-Rostra-Tenant")
        }
    }
}
