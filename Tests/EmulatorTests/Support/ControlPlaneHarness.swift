#if canImport(Glibc)
import Glibc
#endif
import EmulatedAPIs
import EmulatorState
import Foundation
import HTTP
import JSON
import Logging
import Primitives
import Synchronization

@testable import Emulator
import TestSupport

/// One seed for every control-plane test: loading it takes milliseconds, and stores made
/// from it never write to it.
let sharedSeed = Result { try Seed.load(from: shippedSeedDirectory, schema: EmulatedAPIs.schema) }

/// A real emulator behind two real listeners on free ports, one per API, each serving a
/// `ProbeService`: what tests of the control plane talk to over sockets.
final class ControlPlaneHarness: Sendable {
    let emulator: Emulator
    let rosti: HTTPServer
    let rosa: HTTPServer

    init(
        settings: EmulatorSettings = EmulatorSettings(), adminAccess: AdminAccess = .open,
        journalBudgetBytes: Int = ControlPlaneLimits.journalBytesMaximum
    ) throws {
        let store = try StateStore(location: .memory, seed: sharedSeed.get())
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let emulator = Emulator(
            defaultState: store, plugins: EmulatedAPIs.plugins.map(ProbePlugin.init), settings: settings,
            adminAccess: adminAccess, logger: logger, journalBudgetBytes: journalBudgetBytes)
        self.emulator = emulator
        func serve(_ api: EmulatedAPI) throws -> HTTPServer {
            let service = ProbeService(api: api, settings: emulator.settings)
            let server = try HTTPServer(
                configuration: ServerConfiguration(host: "127.0.0.1", port: 0, name: api.rawValue),
                responder: emulator.responder(for: service), errorRenderer: service.errorRenderer, logger: logger)
            server.start()
            return server
        }
        rosti = try serve(.rosti)
        rosa = try serve(.rosa)
    }

    deinit {
        rosti.shutdown(gracePeriod: .seconds(1))
        rosa.shutdown(gracePeriod: .seconds(1))
    }

    func port(_ api: EmulatedAPI) -> Int { api == .rosti ? rosti.port : rosa.port }

    /// One request on a connection of its own (`Connection: close`).
    @discardableResult
    func send(
        _ method: String, _ target: String, api: EmulatedAPI = .rosa, tenant: String? = nil, headers: [String: String] = [:],
        body: String? = nil
    ) throws -> ProbeResponse {
        var allHeaders = headers
        if let tenant { allHeaders[TenantName.header] = tenant }
        return try ProbeClient.exchange(port: port(api), method: method, target: target, headers: allHeaders, body: body.map { Array($0.utf8) })
    }

    /// An admin call; the body, if any, as JSON.
    @discardableResult
    func admin(
        _ method: String, _ path: String, api: EmulatedAPI = .rosti, tenant: String? = nil, json: JSONValue? = nil,
        headers: [String: String] = [:]
    ) throws -> ProbeResponse {
        var allHeaders = headers
        if json != nil { allHeaders["Content-Type"] = "application/json" }
        return try send(method, AdminRoutes.prefix + path, api: api, tenant: tenant, headers: allHeaders, body: json.map(\.text))
    }

    func tenant(_ name: String) throws -> Tenant {
        try emulator.tenants.tenant(named: name, maximumCount: .max)
    }
}

/// A response as read off the socket, or what came instead of one.
struct ProbeResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// Every byte the server sent before closing.
    var raw: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    /// A field of a JSON object body.
    subscript(key: String) -> JSONValue? { json.objectValue?[key] }
}

struct ProbeError: Error, CustomStringConvertible {
    let description: String
}

/// A plain blocking client that sends one request with `Connection: close` and reads until
/// the server closes, so a test sees every byte — or that none came (a dropped
/// connection), or that they were not HTTP (garbage).
enum ProbeClient {
    static func connect(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw ProbeError(description: "connect to \(port) failed: errno \(errno)")
        }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }

    static func sendAll(_ bytes: [UInt8], to descriptor: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ProbeError(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    static func readToClose(_ descriptor: Int32) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return received }
            received += chunk[0..<count]
        }
    }

    /// Sends `head` lines and `body` as given, framing the body with `Content-Length`.
    static func exchange(port: Int, method: String, target: String, headers: [String: String], body: [UInt8]?) throws -> ProbeResponse {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return try exchangeRaw(port: port, bytes: Array(head.utf8) + (body ?? []))
    }

    /// Sends bytes as they are and parses whatever comes back. A response with no bytes at
    /// all has status 0, one that is not HTTP status -1.
    static func exchangeRaw(port: Int, bytes: [UInt8]) throws -> ProbeResponse {
        let descriptor = try connect(port: port)
        defer { close(descriptor) }
        try sendAll(bytes, to: descriptor)
        let raw = readToClose(descriptor)
        return parse(raw)
    }

    static func parse(_ raw: [UInt8]) -> ProbeResponse {
        guard !raw.isEmpty else { return ProbeResponse(status: 0, headers: [:], body: [], raw: raw) }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0...(max(0, raw.count - 4))).first(where: { Array(raw[$0..<min($0 + 4, raw.count)]) == separator }),
              raw.starts(with: Array("HTTP/1.1 ".utf8)) else {
            return ProbeResponse(status: -1, headers: [:], body: [], raw: raw)
        }
        let lines = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? -1
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(raw[(end + 4)...])
        if let length = headers["Content-Length"].flatMap(Int.init) { body = Array(body.prefix(length)) }
        return ProbeResponse(status: status, headers: headers, body: body, raw: raw)
    }
}

/// A small API for the control plane to stand in front of. Its error renderer writes which
/// API answered, so tests see that faults and maintenance use the API's own renderer; its
/// routes read and write the tenant's state and clock; its middleware is a rate limiter
/// keyed per tenant through an attachment, standing where the real ones stand.
struct ProbeService: APIService {
    let api: EmulatedAPI
    let settings: SettingsStore

    struct Renderer: ErrorRenderer {
        let api: EmulatedAPI
        func response(for error: any Error, request: Request?) -> Response {
            let httpError = error as? HTTPError ?? HTTPError(.internalServerError, message: "\(error)")
            var response = Response(
                status: httpError.status, contentType: "application/json",
                bytes: JSONValue.object(["renderer": .string(api.rawValue), "status": .integer(httpError.status.code)]).bytes)
            for field in httpError.headers { response.headers.replaceOrAdd(name: field.name, value: field.value) }
            return response
        }
    }

    var errorRenderer: any ErrorRenderer { Renderer(api: api) }

    func registerRoutes(on router: inout Router) {
        router.add(.get, "/hello") { _ in Response(contentType: "text/plain", bytes: Array("hello".utf8)) }
        // Companies stand for "the tenant's data": created by POST, listed by GET.
        router.add(.get, "/companies") { request in
            let names = try request.tenant().state.database.read { conn in
                try conn.fetchAll("SELECT name FROM rosti_companies ORDER BY id").map { try $0["name"] as String }
            }
            return AdminReply.json(.array(names.map(JSONValue.string)))
        }
        router.add(.post, "/companies") { request in
            let name = String(decoding: try request.body.collect(upTo: 1024), as: UTF8.self)
            let tenant = try request.tenant()
            try tenant.state.database.write { conn in
                try conn.execute("INSERT INTO rosti_companies (name, created) VALUES (?, ?)", [name, tenant.clock.now()])
            }
            return Response(status: .created)
        }
        router.add(.get, "/time") { request in
            AdminReply.json(["now": .number(try request.tenant().clock.now())])
        }
        // A stand-in for an asynchronous Rosti job: it goes pending → running → done after
        // the `snapshot` durations of the settings, on the tenant's clock.
        router.add(.post, "/jobs") { request in
            let tenant = try request.tenant()
            let duration = settings.value.duration(of: .snapshot)
            let now = tenant.clock.now()
            let id = try tenant.state.database.write { conn in
                try conn.execute(
                    "INSERT INTO rosti_jobs (company_id, kind, status, created, pending_until, running_until) VALUES (1, 'snapshot', 'pending', ?, ?, ?)",
                    [now, now + duration.pendingSeconds, now + duration.pendingSeconds + duration.runningSeconds])
                return conn.lastInsertedRowID
            }
            return AdminReply.json(["id": .integer(id), "status": "pending"], status: .created)
        }
        router.add(.get, "/jobs/{id}") { request in
            let tenant = try request.tenant()
            let times = try tenant.state.database.read { conn in
                try conn.fetchOne("SELECT pending_until, running_until FROM rosti_jobs WHERE id = ?", [Int64(request.parameters["id"] ?? "") ?? -1])
            }
            guard let times else { throw HTTPError(.notFound) }
            let now = tenant.clock.now()
            let status = now < (try times["pending_until"] as Double) ? "pending" : now < (try times["running_until"] as Double) ? "running" : "done"
            return AdminReply.json(["status": .string(status)])
        }
        router.add(.post, "/upload") { request in
            var total = 0
            while let chunk = try request.body.readChunk() { total += chunk.count }
            return AdminReply.json(["received": .integer(total)], status: .created)
        }
    }

    func middlewares(emulator: Emulator) -> [any Middleware] {
        [ProbeRateLimit(settings: emulator.settings)]
    }

    /// A request carrying this header stands for one without credentials.
    static let anonymousHeader = "X-Probe-Anonymous"

    func isAuthenticated(_ request: Request) throws -> Bool {
        !request.headers.contains(Self.anonymousHeader)
    }
}

/// A real API plug-in (its state, accounts and overview) whose admin routes are the
/// probe's own, so the control plane's tests see the emulator's admin API and nothing of
/// the APIs' (jobs have tests of their own in RostiAPITests).
struct ProbePlugin: APIPlugin {
    let real: any APIPlugin

    var api: EmulatedAPI { real.api }
    var state: any StatePlugin { real.state }
    var accountSchema: JSONValue { real.accountSchema }
    func overviewLists(of tenant: Tenant) -> [OverviewList] { real.overviewLists(of: tenant) }

    func createAccount(_ body: FieldReader, in tenant: Tenant) throws -> JSONValue {
        try real.createAccount(body, in: tenant)
    }

    func registerAdminRoutes(on router: inout Router, emulator: Emulator) {
        let api = self.api
        router.add(.get, AdminRoutes.prefix + "probe-\(api.rawValue)", name: "The probe service's own admin route") { request in
            AdminReply.json(["service": .string(api.rawValue), "tenant": .string(try request.tenant().name)])
        }
    }
}

/// Counts requests per tenant in fixed windows of the tenant's clock (`rate_limit` per
/// `rate_window_s`), answering 429 past the limit: what a real limiter does, small enough to
/// read in a test.
struct ProbeRateLimit: Middleware {
    let settings: SettingsStore

    final class Counter: Sendable {
        let state = AdaptiveMutex<(window: Int64, used: Int)>((window: -1, used: 0))
    }

    enum CounterKey: TenantAttachmentKey {
        typealias Value = Counter
    }

    func respond(to request: Request, next: any Responder) throws -> Response {
        let tenant = try request.tenant()
        let current = settings.value
        let window = Int64(tenant.clock.now()) / Int64(current.rateWindowSeconds)
        let counter = tenant.attachment(CounterKey.self) { Counter() }
        let used = counter.state.withLock { state -> Int in
            if state.window != window { state = (window, 0) }
            state.used += 1
            return state.used
        }
        var response = used > current.rateLimit ? Response(status: .tooManyRequests) : try next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Probe-Used", value: String(used))
        return response
    }
}

extension JSONValue {
    /// The value as the admin API writes it.
    var text: String { JSONWriter.text(self, .compact) }
    var bytes: [UInt8] { JSONWriter.bytes(self, .compact) }
}
