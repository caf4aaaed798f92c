import ArgumentParser
import Dispatch
import Emulator
import Foundation
import HTTP
import Logging
import RosaFileStore
import RostiAPI

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the Rosti API and the Rosa File Store API, each on its own port.",
        discussion: """
            Opens the state (creating and seeding it on first start), then listens and prints a \
            banner with both base URLs, the dashboard and the seed credentials. Every option also \
            reads the environment variable its help names; a flag on the command line wins. \
            SIGINT or SIGTERM stops it gracefully. Reference: docs/configuration.md.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on. Env: ROSTRA_HOST. Default: 127.0.0.1 (loopback only).", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Port of the Rosti API (0 = any free port). Env: ROSTRA_ROSTI_PORT. Default: 8000.", valueName: "port"))
    var rostiPort: Int?

    @Option(help: ArgumentHelp("Port of the Rosa File Store API (0 = any free port). Env: ROSTRA_ROSA_PORT. Default: 8001.", valueName: "port"))
    var rosaPort: Int?

    @OptionGroup var state: StateOptions

    @Option(help: ArgumentHelp("human or json (one JSON object per line, for machines). Env: ROSTRA_LOG_FORMAT. Default: human.", valueName: "format"))
    var logFormat: String?

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical. Env: ROSTRA_LOG_LEVEL. Default: info.", valueName: "level"))
    var logLevel: String?

    @Option(help: ArgumentHelp("Start an API in maintenance (every request answers its documented 503): rosti or rosa; repeatable. Env: ROSTRA_MAINTENANCE=rosa,rosti.", valueName: "api"))
    var maintenance: [String] = []

    @Option(help: ArgumentHelp("Largest file a Rosa upload may carry, in bytes; larger answers 413. Env: ROSTRA_ROSA_MAX_UPLOAD_BYTES. Default: 2147483648 (2 GiB).", valueName: "bytes"))
    var rosaMaxUploadBytes: Int64?

    @Option(help: ArgumentHelp("Seconds that requests in progress get to finish on SIGINT/SIGTERM. Env: ROSTRA_SHUTDOWN_GRACE. Default: 10.", valueName: "seconds"))
    var shutdownGrace: Double?

    @Option(help: ArgumentHelp("Require 'Authorization: Bearer <token>' on admin calls (GET /__admin/health stays open). Env: ROSTRA_ADMIN_TOKEN.", valueName: "token"))
    var adminToken: String?

    @Flag(help: "Turn the admin API off: /__admin/ paths answer as unknown API paths (GET /__admin/health stays). Env: ROSTRA_NO_ADMIN=1.")
    var noAdmin = false

    @Option(help: ArgumentHelp("Once both APIs listen, write their ports and URLs to this file as JSON (for harnesses that start Rostra on port 0); removed on shutdown. Env: ROSTRA_READY_FILE.", valueName: "path"))
    var readyFile: String?

    func validate() throws {
        for port in [rostiPort, rosaPort].compactMap({ $0 }) where !(0...65535).contains(port) {
            throw ValidationError("\(port) is not a port number (0–65535).")
        }
        _ = try resolvedLogLevel()
        _ = try resolvedLogFormat()
        _ = try resolvedRosaLimits()
        _ = try maintenanceAPIs()
        _ = try adminAccess()
        _ = try EnvironmentDefault.port("ROSTRA_ROSTI_PORT")
        _ = try EnvironmentDefault.port("ROSTRA_ROSA_PORT")
    }

    private func maintenanceAPIs() throws -> [EmulatedAPI] {
        let names = maintenance.isEmpty
            ? (EnvironmentDefault.string("ROSTRA_MAINTENANCE")?.split(separator: ",").map(String.init) ?? []) : maintenance
        return try names.map { name in
            guard let api = EmulatedAPI(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw ValidationError("Unknown API \(name) for maintenance: rosti or rosa.")
            }
            return api
        }
    }

    private enum LogFormat: String {
        case human, json
    }

    private func resolvedLogFormat() throws -> LogFormat {
        let text = logFormat ?? EnvironmentDefault.string("ROSTRA_LOG_FORMAT") ?? "human"
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            throw ValidationError("Unknown log format \(text): human or json.")
        }
        return format
    }

    private func adminAccess() throws -> AdminAccess {
        let disabled = noAdmin || ["1", "true", "yes"].contains(EnvironmentDefault.string("ROSTRA_NO_ADMIN")?.lowercased() ?? "")
        let token = adminToken ?? EnvironmentDefault.string("ROSTRA_ADMIN_TOKEN")
        switch (disabled, token) {
        case (true, nil): return .disabled
        case (true, _?): throw ValidationError("--no-admin and --admin-token (ROSTRA_NO_ADMIN, ROSTRA_ADMIN_TOKEN) exclude each other.")
        case (false, nil): return .open
        case (false, let token?):
            // Sent as a header value: no spaces or control characters, which a client could
            // not send back intact.
            guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw ValidationError("The admin token must be printable ASCII without spaces.")
            }
            return .token(token)
        }
    }

    private func resolvedLogLevel() throws -> Logger.Level {
        let text = logLevel ?? EnvironmentDefault.string("ROSTRA_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError("Unknown log level \(text).")
        }
        return level
    }

    func run() throws {
        let stop = ShutdownSignals()  // first, before any thread exists
        let level = try resolvedLogLevel()
        let format = try resolvedLogFormat()
        LoggingSystem.bootstrap { label in
            switch format {
            case .human:
                var handler = HumanLogHandler(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let logger = Logger(label: "rostra")
        let configured = try ListeningAddresses.configured(host: host, rostiPort: rostiPort, rosaPort: rosaPort)
        let host = configured.host
        let ports = configured.ports
        let grace = shutdownGrace ?? EnvironmentDefault.string("ROSTRA_SHUTDOWN_GRACE").flatMap(Double.init) ?? 10

        let store = try state.openStore()
        let emulator = Emulator(defaultState: store, adminAccess: try adminAccess(), logger: logger)
        for api in try maintenanceAPIs() { emulator.maintenance.set(api, on: true) }
        var servers: [(EmulatedAPI, HTTPServer)] = []
        for service in try apiServices(emulator: emulator) {
            let api = service.api
            let configuration = ServerConfiguration(host: host, port: ports[api]!, name: api.rawValue)
            do {
                let server = try HTTPServer(
                    configuration: configuration, responder: emulator.responder(for: service),
                    errorRenderer: service.errorRenderer, logger: logger)
                servers.append((api, server))
            } catch {
                throw CommandFailure("Cannot listen for the \(api.rawValue) API on \(host):\(ports[api]!): \(error)")
            }
        }
        for (_, server) in servers { server.start() }
        watchSeed(of: store)
        let listening = ListeningAddresses(host: host, ports: Dictionary(uniqueKeysWithValues: servers.map { ($0.0, $0.1.port) }))
        printBanner(listening: listening, store: store, adminAccess: emulator.adminAccess)
        let readyFile = self.readyFile ?? EnvironmentDefault.string("ROSTRA_READY_FILE")
        if let readyFile {
            do {
                try ReadyFile.write(listening.readyDocument(state: store.location.description), to: readyFile)
            } catch {
                throw CommandFailure("Cannot write the ready file \(readyFile): \(error)")
            }
        }

        let received = stop.wait()
        logger.notice("signal \(received): shutting down (grace \(grace)s)")
        // Both listeners drain at the same time, each on a thread of its own.
        let stopped = DispatchSemaphore(value: 0)
        for (_, server) in servers {
            Thread.detachNewThread {
                server.shutdown(gracePeriod: .milliseconds(Int(grace * 1000)))
                stopped.signal()
            }
        }
        for _ in servers { stopped.wait() }
        // A ready file left behind would tell the next harness that a stopped Rostra listens.
        if let readyFile { try? FileManager.default.removeItem(atPath: readyFile) }
        logger.notice("stopped")
    }

    /// A reused database has its seed checked in the background (see `StateStore`); a
    /// broken seed ends the process as it would have before listening.
    private func watchSeed(of store: StateStore) {
        Thread.detachNewThread {
            do {
                try store.seed.waitUntilLoaded()
            } catch {
                let message = "Error: Cannot open the state \(store.location) with the seed \(store.seed.directory.path): \(error)\n"
                FileHandle.standardError.write(Data(message.utf8))
                Foundation.exit(1)
            }
        }
    }

    /// One service per emulated API, each on its own listener.
    private func resolvedRosaLimits() throws -> RosaFileStoreLimits {
        var limits = RosaFileStoreLimits.default
        let variable = "ROSTRA_ROSA_MAX_UPLOAD_BYTES"
        if let bytes = try rosaMaxUploadBytes ?? EnvironmentDefault.string(variable).map({ text in
            guard let value = Int64(text) else { throw ValidationError("\(variable)=\(text) is not a number of bytes.") }
            return value
        }) {
            guard bytes > 0 else { throw ValidationError("The largest Rosa upload must be at least one byte.") }
            limits.maximumUploadBytes = bytes
        }
        return limits
    }

    private func apiServices(emulator: Emulator) throws -> [any APIService] {
        [RostiService(emulator: emulator), RosaFileStoreService(limits: try resolvedRosaLimits())]
    }

    private func printBanner(listening: ListeningAddresses, store: StateStore, adminAccess: AdminAccess) {
        var lines = ["Rostra \(RostraVersion.string)"]
        lines.append("  Rosti API            \(listening.shownURL(of: .rosti))   (admin: /__admin/health)")
        lines.append("  Rosa File Store API  \(listening.shownURL(of: .rosa))   (admin: /__admin/health)")
        switch adminAccess {
        case .open:
            lines.append("  Dashboard            \(listening.shownURL(of: .rosti))__admin/   (admin API: docs/admin-api.md)")
        case .token:
            lines.append("  Dashboard            \(listening.shownURL(of: .rosti))__admin/   (admin API: docs/admin-api.md)")
            lines.append("  Admin API            token required (Authorization: Bearer …)")
        case .disabled:
            lines.append("  Admin API            off (--no-admin); health stays")
        }
        lines.append("  State                \(store.location) (\(store.wasSeeded ? "seeded now" : "reused"))")
        lines.append("  Seed credentials     Rosti: Authorization: Token rostidemo0000000000000000000000000000001")
        lines.append("                       Rosa:  --user demo:demo-password   (more in docs/seed-data.md)")
        // Written unbuffered: scripts and tests wait for the banner on a pipe.
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

/// SIGINT and SIGTERM begin a graceful shutdown instead of ending the process at once.
///
/// The signals are blocked before any thread starts (threads inherit the mask) and then
/// taken with `sigwait`: one that arrives early stays pending until waited for. A Dispatch
/// signal source registers asynchronously, and a signal sent in that window was measured
/// to be lost.
struct ShutdownSignals {
    private var signals = sigset_t()

    init() {
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Blocks until SIGINT or SIGTERM; returns its number.
    func wait() -> Int32 {
        var received: Int32 = 0
        var signals = self.signals
        sigwait(&signals, &received)
        return received
    }
}
