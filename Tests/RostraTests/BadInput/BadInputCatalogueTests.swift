import Foundation
import HTTP
import Testing
import TestSupport

/// One hostile or malformed request of `catalogue.json` and what it must get.
struct BadInputCase: Decodable {
    /// Says what is wrong with the request; unique in the catalogue.
    let name: String
    /// `rosti` or `rosa`: which port the request goes to.
    let api: String
    let method: String
    let path: String
    /// Header fields in order, as `[name, value]` pairs (duplicates allowed).
    let headers: [[String]]?
    /// Whole header lines as raw bytes (base64), for what text cannot carry: invalid UTF-8.
    let rawHeaderLinesBase64: String?
    let body: String?
    let bodyBase64: String?
    /// A `Content-Length` to declare instead of the body's real length.
    let declaredContentLength: UInt64?
    /// Replaces a marker in the path, the header values and the body with a long run of
    /// text: huge strings without a huge catalogue.
    let expand: Expansion?
    let status: Int
    /// Fragments the answer's body must contain (the API's documented texts).
    let bodyContains: [String]?

    struct Expansion: Decodable {
        let marker: String
        let text: String
        let count: Int
    }

    enum CodingKeys: String, CodingKey {
        case name, api, method, path, headers, body, expand, status
        case rawHeaderLinesBase64 = "raw_header_lines_base64"
        case bodyBase64 = "body_base64"
        case declaredContentLength = "declared_content_length"
        case bodyContains = "body_contains"
    }

    private func expanded(_ text: String) -> String {
        guard let expand else { return text }
        return text.replacingOccurrences(of: expand.marker, with: String(repeating: expand.text, count: expand.count))
    }

    /// The request exactly as it goes on the wire.
    func requestBytes() throws -> [UInt8] {
        var head = Array("\(method) \(expanded(path)) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".utf8)
        for pair in headers ?? [] {
            guard pair.count == 2 else { throw CatalogueError(description: "\(name): a header is not a [name, value] pair") }
            head += Array("\(pair[0]): \(expanded(pair[1]))\r\n".utf8)
        }
        if let raw = rawHeaderLinesBase64 {
            guard let bytes = Data(base64Encoded: raw) else { throw CatalogueError(description: "\(name): raw_header_lines_base64 is not base64") }
            head += Array(bytes)
        }
        var bodyBytes: [UInt8]? = body.map { Array(expanded($0).utf8) }
        if let encoded = bodyBase64 {
            guard let bytes = Data(base64Encoded: encoded) else { throw CatalogueError(description: "\(name): body_base64 is not base64") }
            bodyBytes = Array(bytes)
        }
        if let declared = declaredContentLength {
            head += Array("Content-Length: \(declared)\r\n".utf8)
        } else if let bodyBytes {
            head += Array("Content-Length: \(bodyBytes.count)\r\n".utf8)
        }
        return head + Array("\r\n".utf8) + (bodyBytes ?? [])
    }
}

struct CatalogueError: Error, CustomStringConvertible {
    let description: String
}

/// The bad-input catalogue (`catalogue.json`, beside this file): every case against one
/// built `rostra` over a database file of its own, one case at a time, each checked for
/// its status, its documented body, a JSON answer, and an unchanged world — the exported
/// state, the blob folder and the tenant list as they were before it.
@Suite struct BadInputCatalogueTests {
    static let minimumCaseCount = 100

    static func loadCatalogue() throws -> [BadInputCase] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("catalogue.json")
        struct Catalogue: Decodable { let cases: [BadInputCase] }
        return try JSONDecoder().decode(Catalogue.self, from: Data(contentsOf: url)).cases
    }

    @Test func theCatalogueIsWhole() throws {
        let cases = try Self.loadCatalogue()
        #expect(cases.count >= Self.minimumCaseCount)
        #expect(Set(cases.map(\.name)).count == cases.count, "case names are unique")
        for badCase in cases {
            #expect(["rosti", "rosa"].contains(badCase.api), "\(badCase.name): api")
            // 4xx, or 501 for a transfer coding the server does not implement (RFC 9112 §6.1).
            #expect((400..<500).contains(badCase.status) || badCase.status == 501, "\(badCase.name): every case expects a 4xx")
            #expect(badCase.body == nil || badCase.bodyBase64 == nil, "\(badCase.name): one body only")
        }
    }

    @Test func everyCaseGetsItsClearErrorAndChangesNothing() throws {
        let cases = try Self.loadCatalogue()
        let scratch = try TemporaryDirectory()
        let server = try ServedRostra(databasePath: scratch.path("state.sqlite"), directory: scratch.url)
        defer { _ = server.stop() }
        // A frozen clock: jobs of the seed must not move on between two exports.
        #expect(try server.admin("PUT", "clock", json: #"{"mode":"frozen"}"#).status == 200)

        let stateBefore = try server.exportedState()
        let blobsBefore = server.blobFolderListing()
        let tenantsBefore = try server.tenantNames()
        var durations: [(String, Double)] = []
        for badCase in cases {
            let started = Date()
            defer { durations.append((badCase.name, Date().timeIntervalSince(started))) }
            let answer: RawResponse
            do {
                answer = try server.exchange(port: server.port(badCase.api), badCase.requestBytes())
            } catch {
                Issue.record("\(badCase.name): no answer (\(error))")
                guard (try? server.admin("GET", "health").status) == 200 else {
                    Issue.record("\(badCase.name) ended the server; the cases after it were not tried")
                    return
                }
                continue
            }
            let shown = "\(badCase.name): \(answer.status) \(answer.text.prefix(300))"
            #expect(answer.status == badCase.status, "\(shown)")
            for fragment in badCase.bodyContains ?? [] {
                #expect(answer.text.contains(fragment), "\(shown) lacks \(fragment)")
            }
            #expect((try? JSONSerialization.jsonObject(with: Data(answer.body))) != nil, "\(shown): the API's errors are JSON")

            // The world is as it was: nothing written, no file kept, no tenant made.
            let blobsUnchanged = eventually { server.blobFolderListing() == blobsBefore }
            let stateUnchanged = try server.exportedState() == stateBefore
            #expect(blobsUnchanged, "\(badCase.name): the blob folder changed")
            #expect(stateUnchanged, "\(badCase.name): the state changed")
            #expect(try server.tenantNames() == tenantsBefore, "\(badCase.name): a tenant appeared")
            if !(blobsUnchanged && stateUnchanged) {
                // Back to the seed, so the next case is judged on its own.
                #expect(try server.admin("POST", "reset").status == 200)
                #expect(try server.admin("PUT", "clock", json: #"{"mode":"frozen"}"#).status == 200)
            }
        }
        let slowest = durations.sorted { $0.1 > $1.1 }.prefix(3).map { "\($0.0) \(Int($0.1 * 1000)) ms" }
        print("bad-input catalogue: \(cases.count) cases; slowest: \(slowest.joined(separator: "; "))")
    }
}
