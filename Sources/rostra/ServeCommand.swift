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
import RostiHosting

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
            help: "Start an API in maintenance (every request answers its documented 503): rosti, rosa or both; repeatable.",
            environment: EnvironmentFallback("ROSTRA_MAINTENANCE", shown: "ROSTRA_MAINTENANCE=rosa,rosti"))
        static let rosaMaxUploadBytes = OptionSpec(
            "rosa-max-upload-bytes", .value(valueName: "bytes"),
            help: "Largest file a Rosa upload may carry, in bytes; larger answers 413.",
            environment: EnvironmentFallback("ROSTRA_ROSA_MAX_UPLOAD_BYTES"),
            shownDefault: "\(RosaFileStoreLimits.default.maximumUploadBytes) (2 GiB)")
        static let shutdownGrace = OptionSpec(
            "shutdown-grace", .value(valueName: "seconds"), help: "Seconds that requests in progress get to finish on SIGINT, SIGTERM or SIGHUP.",
            environment: EnvironmentFallback("ROSTRA_SHUTDOWN_GRACE"), shownDefault: "\(Int(defaultShutdownGrace))")
        static let adminToken = OptionSpec(
            "admin-token", .value(valueName: "token"),
            help: "Require 'Authorization: Bearer <token>' on admin calls (GET /__admin/health stays open).",
            environment: EnvironmentFallback("ROSTRA_ADMIN_TOKEN"))
        static let noAdmin = OptionSpec(
            "no-admin", .flag,
            help: "Turn the admin API off: /__admin/ paths answer as unknown API paths (GET /__admin/health stays).",
            environment: EnvironmentFallback("ROSTRA_NO_ADMIN", shown: "ROSTRA_NO_ADMIN=1"))
        static let sshHost = OptionSpec(
            "ssh-host", .value(valueName: "name"),
            help: "Host name the Rosti API reports in each app's ssh_access (its SSH endpoints listen on --host).",
            environment: EnvironmentFallback("ROSTRA_SSH_HOST"), shownDefault: ListeningOptions.defaultHost)
        static let readyFile = OptionSpec(
            "ready-file", .value(valueName: "path"),
            help: "Once both APIs listen, write their ports and URLs to this file as JSON (for harnesses that start Rostra on port 0); removed on every exit but a kill.",
            environment: EnvironmentFallback("ROSTRA_READY_FILE"))
    }

    static let defaultShutdownGrace = 10.0
    /// A day: longer is a mistake, and would overflow the milliseconds it becomes.
    static let shutdownGraceMaximum = 86_400.0

    static let spec = CommandSpec(
        name: "serve",
        abstract: "Serve the Rosti API and the Rosa File Store API, each on its own port.",
        discussion: """
            Binds both ports, opens the state (creating and seeding it on first start), then serves and prints a \
            banner with both base URLs, the dashboard and the seed credentials. Every option also \
            reads the environment variable its help names; a flag on the command line wins. \
            SIGINT, SIGTERM or SIGHUP stops it gracefully. Reference: docs/configuration.md.
            """,
        options: listening.all + StateOptions.all + TLSOptions.all + [
            Options.logFormat, Options.logLevel, Options.maintenance, Options.rosaMaxUploadBytes,
            Options.shutdownGrace, Options.adminToken, Options.noAdmin, Options.sshHost, Options.readyFile,
            StorageEngineSetup.host, StorageEngineSetup.off,
        ] + FrontDoorOptions.all
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
    let sshHost: String
    let readyFile: String?
    let storageHost: String
    let storageEngines: Bool
    let frontDoorOptions: FrontDoorOptions

    init(_ arguments: ParsedArguments) throws(UsageError) {
        addresses = try Self.listening.addresses(from: arguments)
        state = try StateOptions(arguments)
        tls = try TLSOptions(arguments, listening: addresses, database: state.location)
        logFormat = try arguments.value(Options.logFormat, expected: "a log format (human or json)") { LogFormat(rawValue: $0.lowercased()) }
            ?? .human
        logLevel = try arguments.value(
            Options.logLevel, expected: "a log level (trace, debug, info, notice, warning, error or critical)"
        ) { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        // `both`, as `PUT /__admin/maintenance` takes it.
        var inMaintenance: [EmulatedAPI] = []
        for name in arguments.strings(Options.maintenance) {
            let named: [EmulatedAPI]
            if name.lowercased() == "both" {
                named = EmulatedAPI.allCases
            } else if let api = EmulatedAPI(rawValue: name.lowercased()) {
                named = [api]
            } else {
                throw UsageError("\(arguments.origin(of: Options.maintenance, name)) is not an API: rosti, rosa or both.")
            }
            inMaintenance += named.filter { !inMaintenance.contains($0) }
        }
        maintenance = inMaintenance
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
        sshHost = try arguments.value(Options.sshHost, expected: "a host name or address (letters, digits, '.', '-', ':')") { name in
            Self.isHostName(name) ? name : nil
        } ?? ListeningOptions.defaultHost
        readyFile = arguments.string(Options.readyFile)
        storageHost = try StorageEngineSetup.hostname(from: arguments)
        storageEngines = try !arguments.isSet(StorageEngineSetup.off)
        frontDoorOptions = try FrontDoorOptions(arguments, freePortsAsked: addresses.ports[.rosti] == 0)
    }

    /// What an SSH client takes as a host: a DNS name or an IPv4 or IPv6 address.
    static func isHostName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 253 && name.first != "-"
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:".unicodeScalars.contains($0)) }
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
        let readyFile = readyFile.map(ReadyFile.init(path:))
        // Whatever ends the command from here on, a thrown failure included.
        defer { readyFile?.withdraw() }

        // Both ports first: a port in use must stop the start before the state is opened,
        // or a first start would leave a new, seeded `.rostra` behind for nothing. The
        // listeners queue connections until they start, once the state is open. Each API's
        // TLS listener serves through the same late-bound service as its plain one.
        var servers: [(EmulatedAPI, HTTPServer, LateBoundService)] = []
        var tlsServers: [(EmulatedAPI, HTTPServer)] = []
        let tlsIdentity = tls.ports == nil ? nil : tls.identity(logger: logger)
        // One for the process: malloc_trim works on all of it, and two would trim twice.
        let freedMemory = FreedMemoryReturn(delay: HTTPLimits().freedMemoryReturnDelay)
        for api in EmulatedAPI.allCases {
            let configuration = ServerConfiguration(host: host, port: ports[api]!, name: api.rawValue)
            let service = LateBoundService()
            do {
                let server = try HTTPServer(
                    configuration: configuration, responder: service.responder, errorRenderer: service.errorRenderer,
                    logger: logger, freedMemory: freedMemory)
                servers.append((api, server, service))
            } catch {
                close(servers.map(\.1) + tlsServers.map(\.1), freedMemory: freedMemory)
                throw CommandFailure("Cannot listen for the \(api.rawValue) API on \(host):\(ports[api]!): \(error)")
            }
            guard let tlsIdentity, let port = tls.ports?[api] else { continue }
            do {
                if let server = try tls.server(
                    for: api, host: host, port: port, identity: tlsIdentity, responder: service.responder,
                    errorRenderer: service.errorRenderer, logger: logger, freedMemory: freedMemory) {
                    tlsServers.append((api, server))
                }
            } catch {
                close(servers.map(\.1) + tlsServers.map(\.1), freedMemory: freedMemory)
                throw error
            }
        }
        let store: StateStore
        do {
            store = try state.openStore()
        } catch {
            close(servers.map(\.1) + tlsServers.map(\.1), freedMemory: freedMemory)
            throw error
        }

        let containers: AppContainers
        let frontDoor: FrontDoor?
        do {
            frontDoor = try frontDoorOptions.frontDoor(host: host, authority: tls.ports == nil ? nil : tls.location.authority, logger: logger)
        } catch {
            close(servers.map(\.1) + tlsServers.map(\.1), freedMemory: freedMemory)
            throw error
        }
        do {
            containers = try AppContainers(options: .init(listenHost: host, sshHost: sshHost, frontDoor: frontDoor), logger: logger)
        } catch {
            close(servers.map(\.1) + tlsServers.map(\.1), freedMemory: freedMemory)
            throw CommandFailure("Cannot listen for SSH on \(host): \(error)")
        }
        let storages = StorageEngineSetup(location: store.location, hostname: storageHost, enabled: storageEngines, logger: logger)
        let rosti = RostiPlugin(storages: storages.hosting, containers: containers)
        let emulator = Emulator(
            defaultState: store, plugins: EmulatedAPIs.plugins(rosti: rosti), adminAccess: adminAccess, logger: logger,
            realPartsLookedAtByHost: true)
        for api in maintenance { emulator.maintenance.set(api, on: true) }
        for service in apiServices(emulator: emulator) {
            let listener = servers.first { $0.0 == service.api }!.2
            listener.bind(responder: emulator.responder(for: service), errorRenderer: service.errorRenderer)
        }
        if tlsIdentity != nil { tls.makeAuthorityIfMissing(logger: logger) }
        for (_, server, _) in servers { server.start() }
        for (_, server) in tlsServers { server.start() }
        // Engines the state has storages of start now, in the background: after the
        // listeners, so that they do not slow the first answer.
        storages.engines?.activate()
        checkInBackground(store, readyFile: readyFile, logger: logger)
        let listening = ListeningAddresses(host: host, ports: Dictionary(uniqueKeysWithValues: servers.map { ($0.0, $0.1.port) }))
        let tlsListening = tlsServers.isEmpty
            ? nil : ListeningAddresses(host: host, ports: Dictionary(uniqueKeysWithValues: tlsServers.map { ($0.0, $0.1.port) }))
        printBanner(
            listening: listening, tlsListening: tlsListening, store: store, adminAccess: emulator.adminAccess,
            storages: storages.bannerLine)
        printPartsInBackground(emulator, containers: containers, sshHost: sshHost)
        if let readyFile {
            do {
                var document = listening.readyDocument(state: store.location.description)
                if let tlsListening { tls.addKeys(to: &document, listening: tlsListening) }
                try readyFile.write(document)
            } catch {
                let problem = FileProblem.explain(creatingFileAt: readyFile.path) ?? FileProblem.describe(error)
                throw CommandFailure("Cannot write the ready file \(readyFile.path): \(problem)")
            }
        }

        if let tlsIdentity { tls.prepareAhead(tlsIdentity) }
        let received = stop.wait()
        logger.notice("\(ShutdownSignals.name(of: received)): shutting down (grace \(grace)s)")
        // Both listeners drain at the same time, each on a thread of its own.
        let stopped = DispatchSemaphore(value: 0)
        for (_, server) in servers.map({ ($0.0, $0.1) }) + tlsServers {
            Thread.detachNewThread {
                server.shutdown(gracePeriod: .milliseconds(Int(grace * 1000)))
                stopped.signal()
            }
        }
        for _ in 0..<(servers.count + tlsServers.count) { stopped.wait() }
        freedMemory.stop()
        // Nothing serves any more: the database is checkpointed into its file (a copy of
        // the file alone is then complete) and throwaway tenants' folders go.
        do {
            try emulator.close()
        } catch {
            logger.error("closing the state: \(error)")
        }
        // Every tenant's containers ended with its state; the threads and children go now,
        // and the front door's throwaway folder (its configuration and logs) with them.
        containers.shutdown()
        if frontDoor != nil { try? FileManager.default.removeItem(atPath: FrontDoorOptions.directory) }
        // Then the database servers (each with its own stop signal) and their runtime folder.
        storages.engines?.close()
        readyFile?.withdraw()
        logger.notice("stopped")
    }

    /// Listeners that never started, closed on a failed start.
    private func close(_ servers: [HTTPServer], freedMemory: FreedMemoryReturn) {
        for server in servers { server.shutdown(gracePeriod: .zero) }
        freedMemory.stop()
    }

    /// A reused database has its seed read and checked here, on a thread of its own once
    /// both APIs listen (see `StateStore`); a broken seed ends the process as it would have
    /// before listening. The same thread then checks the database file's structure, off
    /// the path to the first answer: a damaged file makes health unhealthy and is logged
    /// with the way out.
    private func checkInBackground(_ store: StateStore, readyFile: ReadyFile?, logger: Logger) {
        Thread.detachNewThread {
            do {
                try store.seed.waitUntilLoaded()
            } catch {
                let message = "Error: Cannot open the state \(store.location) with the seed \(store.seed.directory.path): \(error)\n"
                Output.standardError(message)
                readyFile?.withdraw()
                Foundation.exit(1)
            }
            if case .damaged(let problems) = store.checkIntegrity() {
                logger.error(
                    "the state \(store.location) is damaged (\(problems.prefix(3).joined(separator: "; "))): calls that touch it answer 500; \(AdminRoutes.damagedStateRemedy)")
            }
        }
    }

    /// The machine's real parts (bubblewrap, sshd, supervisord, user namespaces, the
    /// database engines) are looked at once the banner is out (`Emulator.realParts`, asked
    /// once): it runs bubblewrap, tens of milliseconds the first answer must not share two
    /// cores with. The lines that follow the banner say whether SSH deploys work here, and
    /// name each missing part with the command that installs it; health says the same.
    private func printPartsInBackground(_ emulator: Emulator, containers: AppContainers, sshHost: String) {
        Thread.detachNewThread {
            let missing = emulator.missingParts
            var lines: [String] = []
            if containers.host.readiness.isReady {
                lines.append("  App containers       ready: ssh -p <the app's ssh_access port> app@\(sshHost)")
                if let door = containers.frontDoor?.door {
                    lines.append("  Front door           http://<app name>-<app id>.localhost:\(door.port)/ and each app's domains (Host header)")
                    if let tls = door.tls {
                        lines.append("  Front door (TLS)     https://<app name>-<app id>.localhost:\(tls.port)/   (certificates of the local CA)")
                    }
                }
            } else {
                lines.append("  App containers       not available here (the APIs work; SSH deploys do not): see Missing")
            }
            // The APIs work without them; what needs them says so when used.
            lines += missing.map { "  Missing              \($0.summary)" }
            Output.standardOutput(lines.joined(separator: "\n") + "\n")
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

    private func printBanner(
        listening: ListeningAddresses, tlsListening: ListeningAddresses?, store: StateStore, adminAccess: AdminAccess,
        storages: String
    ) {
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
        lines.append(storages)
        lines.append("  Seed credentials     Rosti: Authorization: Token rostidemo0000000000000000000000000000001")
        lines.append("                       Rosa:  --user demo:demo-password   (more in docs/seed-data.md)")
        // Written unbuffered: scripts and tests wait for the banner on a pipe.
        Output.standardOutput(lines.joined(separator: "\n") + "\n")
    }
}

/// SIGINT, SIGTERM and SIGHUP begin a graceful shutdown instead of ending the process at
/// once. SIGHUP is what a closed terminal sends; its default action would end the process
/// on the spot, cutting requests off and leaving the ready file behind, so it stops Rostra
/// the same way (there is no configuration to reload). A SIGHUP that the parent set to be
/// ignored (`nohup rostra`) stays ignored, as that parent asked.
///
/// The signals are blocked before any thread starts (threads inherit the mask) and then
/// taken with `sigwait`: one that arrives early stays pending until waited for. A Dispatch
/// signal source registers asynchronously, and a signal sent in that window was measured
/// to be lost.
struct ShutdownSignals {
    private var signals = sigset_t()

    init() {
        sigemptyset(&signals)
        // Only SIGHUP's inherited "ignore" is kept (nohup). SIGINT and SIGTERM are taken even
        // when ignored: a non-interactive shell starts `rostra &` with SIGINT ignored, and
        // `kill -INT` must stop it all the same.
        for signal in Self.handled where signal != SIGHUP || !Self.isIgnored(signal) { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    static let handled = [SIGINT, SIGTERM, SIGHUP]

    /// Whether the process was started with `signal` ignored (inherited through exec).
    private static func isIgnored(_ signal: Int32) -> Bool {
        var current = sigaction()
        sigaction(signal, nil, &current)
        // Function pointers compare by address; SIG_IGN is the address 1.
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// `SIGTERM` for 15, as the log names it.
    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(signal)"
        }
    }

    /// Blocks until one of the handled signals arrives; returns its number.
    func wait() -> Int32 {
        var received: Int32 = 0
        var signals = self.signals
        sigwait(&signals, &received)
        return received
    }
}
