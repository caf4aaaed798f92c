import Dispatch
import Emulator
import EmulatorState
import Foundation
import JSON
import Logging
import Processes
import RostiHosting
import Store

/// The Rosti API's apps given real containers: each app's SSH endpoint on a port Rostra
/// chooses (kept in `rosti_app_containers.ssh_port`, so it survives restarts), the keys of
/// its row as sshd's authorized keys, its folder as `/srv`. The rows stay the truth: this
/// follows them — at once for the API's own changes, and for a state as a whole when the
/// emulator opens, resets, imports, deletes or closes it (`follow(_:did:)`).
public final class AppContainers: Sendable {
    /// What `rostra serve` decides.
    public struct Options: Sendable {
        /// Where SSH endpoints listen: the APIs' listening address (`--host`).
        public var listenHost: String
        /// The host name `ssh_access` reports (`--ssh-host`).
        public var sshHost: String
        /// Where the machine's programs are looked for.
        public var searchDirectories: [String]
        public var limits: HostingLimits.Containers
        /// The front door the apps answer on (`--front-door-port`); nil: none.
        public var frontDoor: FrontDoor?

        public init(
            listenHost: String = "127.0.0.1", sshHost: String = "127.0.0.1",
            searchDirectories: [String] = ContainerTools.defaultSearchDirectories,
            limits: HostingLimits.Containers = HostingLimits.default.containers, frontDoor: FrontDoor? = nil
        ) {
            self.listenHost = listenHost
            self.sshHost = sshHost
            self.searchDirectories = searchDirectories
            self.limits = limits
            self.frontDoor = frontDoor
        }
    }

    public let host: ContainerHost
    /// The front door following the apps, when Rostra has one.
    public let frontDoor: AppFrontDoor?
    private let logger: Logger

    /// Throws when `options.listenHost` has no address.
    public init(options: Options, logger: Logger = Logger(label: "rostra.containers")) throws {
        host = ContainerHost(
            configuration: .init(
                bindAddress: try BindAddress(host: options.listenHost), sshHostName: options.sshHost,
                searchDirectories: options.searchDirectories, limits: options.limits),
            logger: logger)
        self.logger = logger
        let following = options.frontDoor.map { AppFrontDoor(door: $0, logger: logger) }
        frontDoor = following
        if let following {
            host.frontDoorAddress = following.address
            host.observeFronts { wait in following.changed(wait: wait) }
        }
    }

    // MARK: The plug-in's hooks

    /// The machine's parts, as the emulator reports them (banner, health, dashboard). The
    /// machine's techs are asked their versions here too, off the path of an app's first
    /// connection.
    public func realParts() -> [RealPart] {
        defer { _ = host.machineTechs }
        return host.readiness.parts
    }

    /// A tenant's state as a whole changed: its apps' containers follow. The default
    /// tenant's at start-up is brought in line in the background (the listeners must not
    /// wait for it), and there the rows are not changed behind a request that may already
    /// have read them: an app whose port another program holds goes without an endpoint
    /// (apps-status says so) until a start finds the port free. A new tenant's, a reset's and
    /// an import's happen before the call returns, so an app whose port is taken gets a new
    /// one, which the next request already sees.
    public func follow(_ tenant: Tenant, did event: TenantEvent) {
        defer { frontDoor?.follow(tenant, did: event) }
        let space = tenant.state.appSpace
        switch event {
        case .opened where tenant.name == TenantName.defaultName:
            space.attach(host)
            DispatchQueue.global(qos: .utility).async { [self] in bringInLine(tenant.state, keepingPorts: true) }
        case .opened, .reset, .imported:
            space.attach(host)
            bringInLine(tenant.state)
        case .deleted:
            space.remove()
        case .closing:
            space.stopAll()
        }
    }

    /// Ends every container and the threads behind them, at shutdown (after the states closed).
    public func shutdown() {
        host.shutdown()
        frontDoor?.stop()
    }

    private func bringInLine(_ state: StateStore, keepingPorts: Bool = false) {
        do {
            try Self.bringInLine(state, keepingPorts: keepingPorts)
        } catch {
            logger.error("rosti app containers: \(error)")
        }
    }

    // MARK: Following the rows

    /// One app's row as the containers need it.
    struct AppRow {
        let id: Int64
        let settings: AppContainer.Settings
        let container: Int64
        let port: Int
        let hostname: String
    }

    private static let rowsQuery = """
        SELECT a.id, a.name, a.enabled, a.ssh_keys, a.app_port, c.id AS container, c.ssh_port, c.ssh_hostname
        FROM rosti_apps a JOIN rosti_app_containers c
             ON c.id = (SELECT MIN(id) FROM rosti_app_containers WHERE app_id = a.id)
        """

    private static func rows(_ conn: Connection, where condition: String = "", _ arguments: StatementArguments = []) throws -> [AppRow] {
        try conn.fetchAll(rowsQuery + " " + condition + " ORDER BY a.id", arguments).map { row in
            AppRow(
                id: try row["id"],
                settings: AppContainer.Settings(
                    name: try row["name"], keys: AppStore.storedList(try row["ssh_keys"]).stringItems, enabled: try row["enabled"],
                    appPort: Int(try row["app_port"] as Int64)),
                container: try row["container"], port: Int(try row["ssh_port"] as Int64), hostname: try row["ssh_hostname"])
        }
    }

    /// Every app of the state gets a container with an endpoint (on the port its row has
    /// when that port is free, else a new one, written back with the host name), and
    /// containers of apps that are gone end.
    static func bringInLine(_ state: StateStore, keepingPorts: Bool = false) throws {
        let space = state.appSpace
        guard space.host != nil else { return }
        try space.changes.withLock {
            let rows = try state.database.read { try Self.rows($0) }
            let present = Set(rows.map(\.id))
            for app in space.appIDs where !present.contains(app) { space.dropContainer(app) }
            try apply(rows, in: state, choosingNewPorts: !keepingPorts)
        }
    }

    /// Apps made behind the API's back since the space last looked (a job's restore into a
    /// new app) get their containers; cheap when there are none (one indexed lookup).
    static func catchUp(_ state: StateStore) {
        let space = state.appSpace
        guard space.host != nil else { return }
        do {
            try space.changes.withLock {
                let newest = space.newestKnown
                guard try state.database.read({ try $0.fetchValue(Int64.self, "SELECT 1 FROM rosti_apps WHERE id > ?", [newest]) }) != nil
                else { return }
                try apply(try state.database.read { try Self.rows($0, where: "WHERE a.id > ?", [newest]) }, in: state)
            }
        } catch {
            space.host?.logger.error("rosti app containers: \(error)")
        }
    }

    /// One app's container follows its row (after the API changed it); a row that is gone
    /// ends it.
    static func follow(app: Int64, in state: StateStore) throws {
        let space = state.appSpace
        guard space.host != nil else { return }
        try space.changes.withLock {
            let rows = try state.database.read { try Self.rows($0, where: "WHERE a.id = ?", [app]) }
            if rows.isEmpty { space.dropContainer(app) }
            try apply(rows, in: state)
        }
    }

    private static func apply(_ rows: [AppRow], in state: StateStore, choosingNewPorts: Bool = true) throws {
        let space = state.appSpace
        guard let host = space.host else { return }
        var changes: [(container: Int64, port: Int, hostname: String)] = []
        for row in rows {
            guard let container = try space.makeContainer(row.id, settings: row.settings) else { continue }
            container.update(row.settings)
            let port = container.port ?? container.open(preferring: row.port, orAnother: choosingNewPorts)
            if let port, port != row.port || row.hostname != host.configuration.sshHostName {
                changes.append((row.container, port, host.configuration.sshHostName))
            }
            // An enabled app runs: a new one, one enabled again, every one at Rostra's start
            // (as many as Rostra starts by itself; the rest on their first connection).
            if row.settings.enabled && port != nil { container.startInBackground() }
        }
        guard !changes.isEmpty else { return }
        try state.database.write { conn in
            for change in changes {
                try conn.execute(
                    "UPDATE rosti_app_containers SET ssh_port = ?, ssh_hostname = ? WHERE id = ?",
                    [Int64(change.port), change.hostname, change.container])
            }
        }
    }
}

extension JSONValue {
    /// The strings of an array (others left out).
    var stringItems: [String] {
        guard case .array(let items) = self else { return [] }
        return items.compactMap { item in
            if case .string(let text) = item { return text }
            return nil
        }
    }
}

extension RostiPlugin {
    /// The parts the apps' containers need, and whether each is here.
    func containerParts() -> [RealPart] {
        containers?.realParts() ?? []
    }

    /// The apps' containers follow what happened to the tenant's state.
    func containersFollow(_ tenant: Tenant, did event: TenantEvent) {
        guard let containers else { return }
        containers.follow(tenant, did: event)
        AppCron.follow(tenant, did: event, logger: Logger(label: "rostra.rosti.cron"))
    }
}
