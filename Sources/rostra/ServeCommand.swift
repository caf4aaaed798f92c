import Arguments
import Dispatch
import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import HTTP
import Logging
import RosaFileStore
import RostiAPI

struct ServeCommand: RostraCommand {
    static let listening = ListeningOptions(
        hostHelp: "Address to listen on.", shownHostDefault: "\(ListeningOptions.defaultHost) (loopback only)",
        portHelp: { "Port of the \($0) (0 = any free port)." }, ports: 0...65535)

    /// The options beside the listening and state ones.
    enum Options {
        static let logFormat = OptionSpec(
            "log-format", .value(valueName: "format"), help: "human or json (one JSON object per line, for machines).",
            environment: EnvironmentFallback("ROSTRA_LOG_FORMAT"), shownDefault: LogFormat.human.rawValue)
        static let logLevel = OptionSpec(
            "log-level", .value(valueName: "level"), help: "trace, debug, info, notice, warning, error or critical.",
            environment: EnvironmentFallback("ROSTRA_LOG_LEVEL"), shownDefault: Logger.Level.info.rawValue)
        static let maintenance = OptionSpec(
            "maintenance", .repeatedValue(valueName: "api"),
            help: "Start an API in maintenance (every request answers its documented 503): rosti or rosa; repeatable.",
            environment: EnvironmentFallback("ROSTRA_MAINTENANCE", shown: "ROSTRA_MAINTENANCE=rosa,rosti"))
        static let rosaMaxUploadBytes = OptionSpec(
            "rosa-max-upload-bytes", .value(valueName: "bytes"),
            help: "Largest file a Rosa upload may carry, in bytes; larger answers 413.",
            environment: EnvironmentFallback("ROSTRA_ROSA_MAX_UPLOAD_BYTES"),
            shownDefault: "\(RosaFileStoreLimits.default.maximumUploadBytes) (2 GiB)")
        static let shutdownGrace = OptionSpec(
            "shutdown-grace", .value(valueName: "seconds"), help: "Seconds that requests in progress get to finish on SIGINT/SIGTERM.",
            environment: EnvironmentFallback("ROSTRA_SHUTDOWN_GRACE"), shownDefault: "\(Int(defaultShutdownGrace))")
        static let adminToken = OptionSpec(
            "admin-token", .value(valueName: "token"),
            help: "Require 'Authorization: Bearer <token>' on admin calls (GET /__admin/health stays open).",
            environment: EnvironmentFallback("ROSTRA_ADMIN_TOKEN"))
        static let noAdmin = OptionSpec(
            "no-admin", .flag,
            help: "Turn the admin API off: /__admin/ paths answer as unknown API paths (GET /__admin/health stays).",
            environment: EnvironmentFallback("ROSTRA_NO_ADMIN", shown: "ROSTRA_NO_ADMIN=1"))
        static let readyFile = OptionSpec(
            "ready-file", .value(valueName: "path"),
            help: "Once both APIs listen, write their ports and URLs to this file as JSON (for harnesses that start Rostra on port 0); removed on shutdown.",
            environment: EnvironmentFallback("ROSTRA_READY_FILE"))
    }

    static let defaultShutdownGrace = 10.0
    /// A day: longer is a mistake, and would overflow the milliseconds it becomes.
    static let shutdownGraceMaximum = 86_400.0

    static let spec = CommandSpec(
        name: "serve",
        abstract: "Serve the Rosti API and the Rosa File Store API, each on its own port.",
        discussion: """
            Opens the state (creating and seeding it on first start), then listens and prints a \
            banner with both base URLs, the dashboard and the seed credentials. Every option also \
            reads the environment variable its help names; a flag on the command line wins. \
            SIGINT or SIGTERM stops it gracefully. Reference: docs/configuration.md.
            """,
        options: listening.all + StateOptions.all + TLSOptions.all + [
            Options.logFormat, Options.logLevel, Options.maintenance, Options.rosaMaxUploadBytes,
            Options.shutdownGrace, Options.adminToken, Options.noAdmin, Options.readyFile,
        ]
    )

    fileprivate enum LogFormat: String {
        case human, json
    }

    let addresses: ListeningAddresses
    let state: StateOptions
    let tls: TLSOptions
    fileprivate let logFormat: LogFormat
    let logLevel: Logger.Level
    let maintenance: [EmulatedAPI]
    let rosaLimits: RosaFileStoreLimits
    let shutdownGrace: Double
    let adminAccess: AdminAccess
    let readyFile: String?

    init(_ arguments: ParsedArguments) throws(UsageError) {
        addresses = try Self.listening.addresses(from: arguments)
        state = try StateOptions(arguments)
        tls = try TLSOptions(arguments, listening: addresses, database: state.location)
        logFormat = try arguments.value(Options.logFormat, expected: "a log format (human or json)") { LogFormat(rawValue: $0.lowercased()) }
            ?? .human
        logLevel = try arguments.value(
            Options.logLevel, expected: "a log level (trace, debug, info, notice, warning, error or critical)"
        ) { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        maintenance = try arguments.strings(Options.maintenance).map { (name: String) throws(UsageError) -> EmulatedAPI in
            guard let api = EmulatedAPI(rawValue: name.lowercased()) else {
                throw UsageError("\(arguments.origin(of: Options.maintenance, name)) is not an API: rosti or rosa.")
            }
            return api
        }
        var limits = RosaFileStoreLimits.default
        if let bytes = try arguments.value(Options.rosaMaxUploadBytes, expected: "a number of bytes, 1 or more", {
            Int64($0).flatMap { $0 > 0 ? $0 : nil }
        }) {
            limits.maximumUploadBytes = bytes
        }
        rosaLimits = limits
        shutdownGrace = try arguments.value(Options.shutdownGrace, expected: "a number of seconds (0–\(Int(Self.shutdownGraceMaximum)))") {
            Double($0).flatMap { (0...Self.shutdownGraceMaximum).contains($0) ? $0 : nil }
        } ?? Self.defaultShutdownGrace
        adminAccess = try Self.adminAccess(disabled: arguments.isSet(Options.noAdmin), token: arguments.string(Options.adminToken))
        readyFile = arguments.string(Options.readyFile)
    }

    private static func adminAccess(disabled: Bool, token: String?) throws(UsageError) -> AdminAccess {
        switch (disabled, token) {
        case (true, nil): return .disabled
        case (true, _?): throw UsageError("--no-admin and --admin-token (ROSTRA_NO_ADMIN, ROSTRA_ADMIN_TOKEN) exclude each other.")
        case (false, nil): return .open
        case (false, let token?):
            // Sent as a header value: no spaces or control characters, which a client could
            // not send back intact.
            guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw UsageError("The admin token must be printable ASCII without spaces.")
            }
            return .token(token)
        }
    }

    func run() throws {
        let stop = ShutdownSignals()  // first, before any thread exists
        let level = logLevel
        let format = logFormat
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
        let host = addresses.host
        let ports = addresses.ports
        let grace = shutdownGrace

        let store = try state.openStore()
        let emulator = Emulator(defaultState: store, plugins: EmulatedAPIs.plugins, adminAccess: adminAccess, logger: logger)
        for api in maintenance { emulator.maintenance.set(api, on: true) }
        var servers: [(EmulatedAPI, HTTPServer)] = []
        var tlsServers: [(EmulatedAPI, HTTPServer)] = []
        let tlsIdentity = tls.ports == nil ? nil : tls.identity(logger: logger)
        // One for the process: malloc_trim works on all of it, and two would trim twice.
        let freedMemory = FreedMemoryReturn(delay: HTTPLimits().freedMemoryReturnDelay)
        for service in apiServices(emulator: emulator) {
            let api = service.api
            let responder = emulator.responder(for: service)
            let configuration = ServerConfiguration(host: host, port: ports[api]!, name: api.rawValue)
            do {
                let server = try HTTPServer(
                    configuration: configuration, responder: responder,
                    errorRenderer: service.errorRenderer, logger: logger, freedMemory: freedMemory)
                servers.append((api, server))
            } catch {
                throw CommandFailure("Cannot listen for the \(api.rawValue) API on \(host):\(ports[api]!): \(error)")
            }
            if let tlsIdentity, let port = tls.ports?[api], let server = try tls.server(
                for: api, host: host, port: port, identity: tlsIdentity, responder: responder,
                errorRenderer: service.errorRenderer, logger: logger, freedMemory: freedMemory) {
                tlsServers.append((api, server))
            }
        }
        if tlsIdentity != nil { tls.makeAuthorityIfMissing(logger: logger) }
        for (_, server) in servers + tlsServers { server.start() }
        checkInBackground(store, logger: logger)
        let listening = ListeningAddresses(host: host, ports: Dictionary(uniqueKeysWithValues: servers.map { ($0.0, $0.1.port) }))
        let tlsListening = tlsServers.isEmpty
            ? nil : ListeningAddresses(host: host, ports: Dictionary(uniqueKeysWithValues: tlsServers.map { ($0.0, $0.1.port) }))
        printBanner(listening: listening, tlsListening: tlsListening, store: store, adminAccess: emulator.adminAccess)
        if let readyFile {
            do {
                var document = listening.readyDocument(state: store.location.description)
                if let tlsListening { tls.addKeys(to: &document, listening: tlsListening) }
                try ReadyFile.write(document, to: readyFile)
            } catch {
                throw CommandFailure("Cannot write the ready file \(readyFile): \(error)")
            }
        }

        if let tlsIdentity { tls.prepareAhead(tlsIdentity) }
        let received = stop.wait()
        logger.notice("signal \(received): shutting down (grace \(grace)s)")
        // Both listeners drain at the same time, each on a thread of its own.
        let stopped = DispatchSemaphore(value: 0)
        for (_, server) in servers + tlsServers {
            Thread.detachNewThread {
                server.shutdown(gracePeriod: .milliseconds(Int(grace * 1000)))
                stopped.signal()
            }
        }
        for _ in servers + tlsServers { stopped.wait() }
        freedMemory.stop()
        // Nothing serves any more: the database is checkpointed into its file (a copy of
        // the file alone is then complete) and throwaway tenants' folders go.
        do {
            try emulator.close()
        } catch {
            logger.error("closing the state: \(error)")
        }
        // A ready file left behind would tell the next harness that a stopped Rostra listens.
        if let readyFile { try? FileManager.default.removeItem(atPath: readyFile) }
        logger.notice("stopped")
    }

    /// A reused database has its seed read and checked here, on a thread of its own once
    /// both APIs listen (see `StateStore`); a broken seed ends the process as it would have
    /// before listening. The same thread then checks the database file's structure, off
    /// the path to the first answer: a damaged file makes health unhealthy and is logged
    /// with the way out.
    private func checkInBackground(_ store: StateStore, logger: Logger) {
        Thread.detachNewThread {
            do {
                try store.seed.waitUntilLoaded()
            } catch {
                let message = "Error: Cannot open the state \(store.location) with the seed \(store.seed.directory.path): \(error)\n"
                Output.standardError(message)
                Foundation.exit(1)
            }
            if case .damaged(let problems) = store.checkIntegrity() {
                logger.error(
                    "the state \(store.location) is damaged (\(problems.prefix(3).joined(separator: "; "))): calls that touch it answer 500; \(AdminRoutes.damagedStateRemedy)")
            }
        }
    }

    /// One service per emulated API, each on its own listener.
    private func apiServices(emulator: Emulator) -> [any APIService] {
        [RostiService(emulator: emulator), RosaFileStoreService(limits: rosaLimits)]
    }

    private static func describe(_ opening: StateStore.Opening) -> String {
        switch opening {
        case .created: return "seeded now"
        case .reseeded: return "seeded now"
        case .seededEmptyFile: return "seeded now: the file held no state"
        case .reused: return "reused"
        }
    }

    private func printBanner(listening: ListeningAddresses, tlsListening: ListeningAddresses?, store: StateStore, adminAccess: AdminAccess) {
        var lines = ["Rostra \(RostraVersion.string)"]
        let https = { (api: EmulatedAPI) in
            tlsListening.flatMap { $0.ports[api] == nil ? nil : "   " + $0.shownURL(of: api, scheme: "https") } ?? ""
        }
        lines.append("  Rosti API            \(listening.shownURL(of: .rosti))\(https(.rosti))   (admin: /__admin/health)")
        lines.append("  Rosa File Store API  \(listening.shownURL(of: .rosa))\(https(.rosa))   (admin: /__admin/health)")
        switch adminAccess {
        case .open:
            lines.append("  Dashboard            \(listening.shownURL(of: .rosti))__admin/   (admin API: docs/admin-api.md)")
        case .token:
            lines.append("  Dashboard            \(listening.shownURL(of: .rosti))__admin/   (admin API: docs/admin-api.md)")
            lines.append("  Admin API            token required (Authorization: Bearer …)")
        case .disabled:
            lines.append("  Admin API            off (--no-admin); health stays")
        }
        lines.append("  State                \(store.location) (\(Self.describe(store.opening)))")
        if tlsListening != nil {
            lines.append("  TLS CA               \(tls.location.authority.authorityCertificatePath)   (trust it: rostra ca)")
        }
        lines.append("  Seed credentials     Rosti: Authorization: Token rostidemo0000000000000000000000000000001")
        lines.append("                       Rosa:  --user demo:demo-password   (more in docs/seed-data.md)")
        // Written unbuffered: scripts and tests wait for the banner on a pipe.
        Output.standardOutput(lines.joined(separator: "\n") + "\n")
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
