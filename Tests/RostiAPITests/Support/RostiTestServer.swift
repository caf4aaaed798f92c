import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import HTTP
import JSON
import Logging
import Synchronization
import Testing

@testable import RostiAPI
import TestSupport

/// The repository's shipped seed folder.
let shippedSeedDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("seed-data", isDirectory: true)

/// Seed credentials (docs/seed-data.md).
enum SeedTokens {
    /// demo@rostra.local: companies 1 and 2.
    static let demo = "rostidemo0000000000000000000000000000001"
    /// other@rostra.local: company 3.
    static let other = "rostidemo0000000000000000000000000000002"
}

/// A moment the tests freeze the clock at: 2026-01-10T12:00:00Z (winter, so +01:00).
let frozenMoment: Double = 1_768_046_400

/// A real Rostra Rosti listener on a free port over a fresh in-memory copy of the seed,
/// with the clock frozen, answering raw HTTP as any client would see it.
final class RostiTestServer {
    let emulator: Emulator
    let service: RostiService
    let server: HTTPServer
    var port: Int { server.port }
    var tenant: Tenant { emulator.defaultTenant }
    var clock: EmulatorClock { emulator.defaultTenant.clock }
    /// Everything logged at warning or above (a healthy run logs nothing), or at the level
    /// of the `logs` given.
    let problems: CapturedLogs

    /// The apps' real containers, when the server was made with them.
    let containers: AppContainers?

    init(
        state: StateStore? = nil, settings: EmulatorSettings = RostiTestServer.instantJobs,
        freezeAt moment: Double? = frozenMoment, logs: CapturedLogs = CapturedLogs(level: .warning),
        storages: StorageHosting? = nil, containers: AppContainers? = nil
    ) throws {
        let store = try state ?? StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        let problems = logs
        self.problems = logs
        self.containers = containers
        let logger = problems.logger
        let rosti = RostiPlugin(storages: storages ?? .rowsOnly(), containers: containers)
        let plugins = storages == nil && containers == nil ? EmulatedAPIs.plugins : EmulatedAPIs.plugins(rosti: rosti)
        emulator = Emulator(defaultState: store, plugins: plugins, settings: settings, logger: logger)
        if let moment { emulator.defaultTenant.clock.set(mode: .frozen, now: moment) }
        service = RostiService(emulator: emulator)
        server = try HTTPServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, name: "rosti"),
            responder: emulator.responder(for: service), errorRenderer: service.errorRenderer, logger: logger)
        server.start()
    }

    deinit {
        server.shutdown(gracePeriod: .seconds(1))
        // With containers, as rostra serve stops: states closed, then the containers' threads.
        if let containers {
            try? emulator.close()
            containers.shutdown()
        }
    }

    /// Job durations of 0: jobs finish within the request that creates them.
    static var instantJobs: EmulatorSettings {
        var settings = EmulatorSettings()
        for kind in JobKind.allCases { settings.jobDurations[kind] = JobDuration(pendingSeconds: 0, runningSeconds: 0) }
        return settings
    }

    /// Jobs of 2 s pending and 4 s running (6 s in all), for life-cycle tests.
    static var slowJobs: EmulatorSettings {
        var settings = EmulatorSettings()
        for kind in JobKind.allCases { settings.jobDurations[kind] = JobDuration(pendingSeconds: 2, runningSeconds: 4) }
        return settings
    }

    /// Sends one request on a fresh connection and reads the answer.
    func send(
        _ method: String, _ path: String, token: String? = SeedTokens.demo, language: String? = "en",
        json body: String? = nil, contentType: String? = "application/json", headers: [(String, String)] = []
    ) throws -> RawResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let token { head += "Authorization: Token \(token)\r\n" }
        if let language { head += "Accept-Language: \(language)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((body ?? "").utf8)
        if body != nil {
            if let contentType { head += "Content-Type: \(contentType)\r\n" }
            head += "Content-Length: \(bytes.count)\r\n"
        }
        let client = try RawClient(port: port)
        try client.send(Array((head + "\r\n").utf8) + bytes)
        return try client.readResponse(head: method == "HEAD")
    }

    func get(_ path: String, token: String? = SeedTokens.demo, language: String? = "en") throws -> RawResponse {
        try send("GET", path, token: token, language: language)
    }

    /// The answer's body as JSON (the test fails when it is not).
    func json(_ method: String, _ path: String, body: String? = nil, token: String? = SeedTokens.demo) throws -> JSONValue {
        let response = try send(method, path, token: token, json: body)
        #expect(response.status == 200, "\(method) \(path): \(response.status) \(response.text)")
        return try JSONParser.parse(response.body)
    }
}

extension JSONValue {
    var int: Int64? {
        if case .number(let number) = self { return number.int64 }
        return nil
    }

    var text: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var items: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}

/// Runs `body` with the parsed JSON of a response, failing the test on anything else.
func parsedBody(_ response: RawResponse) throws -> JSONValue {
    try JSONParser.parse(response.body)
}
