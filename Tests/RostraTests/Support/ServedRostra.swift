#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTP
import TestSupport

/// A `rostra serve` on free ports over a database file of its own, with what the tests of
/// bad input, isolation and crashes need from outside: raw requests, the exported state
/// and the blob folder as the disk holds them.
final class ServedRostra {
    let process: RostraProcess
    let ports: (rosti: Int, rosa: Int)
    let databasePath: String
    var blobFolder: String { databasePath + "-blobs" }

    static let rostiDemoToken = "rostidemo0000000000000000000000000000001"
    static let rostiOtherToken = "rostidemo0000000000000000000000000000002"
    static let rosaDemoLogin = "Basic " + Data("demo:demo-password".utf8).base64EncodedString()
    static let rosaOtherLogin = "Basic " + Data("other:other-password".utf8).base64EncodedString()
    static let rosaAdminLogin = "Basic " + Data("admin:admin-password".utf8).base64EncodedString()

    init(databasePath: String, directory: URL, extraArguments: [String] = []) throws {
        self.databasePath = databasePath
        process = try RostraProcess(
            // Storages as rows: these tests judge the APIs' answers and the state's files, and
            // a database server per Rostra, with every suite's Rostras at once, only loads the
            // machine (the engines' own tests are StorageEnginesLifecycleTests and RostiAPI's).
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", databasePath, "--seed", RostraProcess.seedDirectory,
             "--log-level", "error", "--no-storage-engines"] + extraArguments,
            directory: directory)
        ports = try process.waitForBanner()
    }

    var client: RostraClient { RostraClient(rostiPort: ports.rosti, rosaPort: ports.rosa) }

    func port(_ api: String) -> Int { client.port(api) }

    func exchange(port: Int, _ bytes: [UInt8], receiveTimeout: Double = 15) throws -> RawResponse {
        try client.exchange(port: port, bytes, receiveTimeout: receiveTimeout)
    }

    func request(
        _ api: String, _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws -> RawResponse {
        try client.request(api, method, path, headers: headers, body: body)
    }

    func admin(_ method: String, _ path: String, json: String? = nil, headers: [(String, String)] = []) throws -> RawResponse {
        try client.admin(method, path, json: json, headers: headers)
    }

    /// The default tenant's whole state (`GET /__admin/state`) without the moment of the
    /// export, so that two exports of the same state compare equal.
    func exportedState(headers: [(String, String)] = []) throws -> NSDictionary {
        let response = try admin("GET", "state", headers: headers)
        guard response.status == 200,
              let document = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else { throw RostraProcess.Failure(description: "export answered \(response.status): \(response.text.prefix(300))") }
        var kept = document.filter { $0.key != "exported_at" }
        // The apps' folders (`apps/<id>`) change on their own while their containers run:
        // their programs write logs and sockets. The rest is what a request could change.
        if let files = kept["files"] as? [[String: Any]] {
            kept["files"] = files.filter { ($0["key"] as? String)?.hasPrefix("apps/") != true }
        }
        return kept as NSDictionary
    }

    /// The names of tenants that exist (`GET /__admin/tenants`).
    func tenantNames() throws -> [String] {
        let response = try admin("GET", "tenants")
        let document = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return (document?["tenants"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// Every file under the blob folder, as paths relative to it (temporary files included).
    func blobFolderListing() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: blobFolder)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: blobFolder + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }

    func stop() -> Int32 { process.stop() }

    /// SIGKILL: no shutdown code runs, as in a crash.
    func kill() {
        Glibc.kill(process.process.processIdentifier, SIGKILL)
        process.process.waitUntilExit()
    }
}

/// Requests to one running rostra's two ports; plain values, so client threads share it.
struct RostraClient: Sendable {
    let rostiPort: Int
    let rosaPort: Int

    func port(_ api: String) -> Int { api == "rosa" ? rosaPort : rostiPort }

    /// One request on a connection of its own. A server that answers before reading the
    /// whole body (413 from the declared length) may reset the connection while we still
    /// send: the answer is read all the same.
    func exchange(port: Int, _ bytes: [UInt8], receiveTimeout: Double = 15) throws -> RawResponse {
        let client = try RawClient(port: port, receiveTimeout: receiveTimeout)
        do { try client.send(bytes) } catch {}
        return try client.readResponse(head: bytes.starts(with: Array("HEAD ".utf8)))
    }

    func request(
        _ api: String, _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws -> RawResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        return try exchange(port: port(api), Array((head + "\r\n").utf8) + (body ?? []))
    }

    func admin(_ method: String, _ path: String, json: String? = nil, headers: [(String, String)] = []) throws -> RawResponse {
        try request(
            "rosti", method, "/__admin/" + path,
            headers: headers + (json == nil ? [] : [("Content-Type", "application/json")]), body: json.map { Array($0.utf8) })
    }
}
