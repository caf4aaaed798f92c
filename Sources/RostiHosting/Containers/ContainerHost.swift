import Foundation
import Logging
import Primitives
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// What every app container of one Rostra shares: where SSH endpoints listen and what
/// host name they are reported under, the machine's parts (found once), the SSH ports taken
/// across all tenants, one thread accepting on every endpoint, and one `ProcessWatcher`
/// for sandboxes and sessions. Nothing starts until an app needs it: no thread, no
/// process, no port at construction.
public final class ContainerHost: Sendable {
    public struct Configuration: Sendable {
        /// Where endpoints listen: the address Rostra's APIs listen on (`--host`).
        public var bindAddress: BindAddress
        /// What `ssh_access` reports as the host name (`--ssh-host`).
        public var sshHostName: String
        /// Where the machine's programs are looked for.
        public var searchDirectories: [String]
        public var limits: HostingLimits.Containers

        public init(
            bindAddress: BindAddress, sshHostName: String, searchDirectories: [String] = ContainerTools.defaultSearchDirectories,
            limits: HostingLimits.Containers = HostingLimits.default.containers
        ) {
            self.bindAddress = bindAddress
            self.sshHostName = sshHostName
            self.searchDirectories = searchDirectories
            self.limits = limits
        }
    }

    public let configuration: Configuration
    public let logger: Logger
    private let parts = AdaptiveMutex<ContainerReadiness?>(nil)
    private let techs = AdaptiveMutex<[MachineTech]?>(nil)
    private let services = AdaptiveMutex<(watcher: ProcessWatcher?, acceptor: SSHAcceptor?, stopped: Bool)>((nil, nil, false))
    /// SSH ports held by an endpoint of this host, across every tenant.
    private let claimedPorts = AdaptiveMutex<Set<Int>>([])
    /// The machine's services apps reach at `127.0.0.1:<port>` from inside, and who is told
    /// when an app's published front appears or goes.
    private let network = AdaptiveMutex<(servicePorts: @Sendable () -> [Int], observers: [@Sendable (Bool) -> Void])>(({ [] }, []))
    /// The spaces attached to this host (one per open tenant state), weakly: a closed
    /// state's space goes with it.
    private let spaces = AdaptiveMutex<[WeakSpace]>([])
    private struct WeakSpace: @unchecked Sendable {
        // Safe: only read and written under the `spaces` mutex, and AppSpace is Sendable.
        weak var space: AppSpace?
    }
    /// Containers started by Rostra itself rather than by a user's request, across tenants.
    private let automaticStarts = AdaptiveMutex(0)
    private let frontDoor = AdaptiveMutex<FrontDoorAddress?>(nil)

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    var limits: HostingLimits.Containers { configuration.limits }

    // MARK: Parts

    /// Whether containers can run here, part by part; looked at once (a few milliseconds to
    /// tens of them: bubblewrap is run), then kept.
    public var readiness: ContainerReadiness {
        parts.withLock { found in
            if let found { return found }
            let checked: ContainerReadiness
            do {
                checked = ContainerReadiness.check(directories: configuration.searchDirectories, watcher: try watcher(), limits: limits)
            } catch {
                checked = ContainerReadiness(
                    tools: ContainerTools(paths: [:]),
                    parts: [RealPart(name: "process watcher", neededFor: ContainerReadiness.neededFor, availability: .refused(reason: "\(error)", remedy: "see the log"))],
                    owner: nil)
            }
            found = checked
            if !checked.isReady {
                logger.warning("app containers cannot run here: \(checked.problems.joined(separator: "; "))")
            }
            return checked
        }
    }

    /// The machine's techs (`MachineTech`), asked once.
    public var machineTechs: [MachineTech] {
        techs.withLock { found in
            if let found { return found }
            let detected = (try? watcher()).map { MachineTech.detect(in: configuration.searchDirectories, watcher: $0) } ?? []
            found = detected
            return detected
        }
    }

    /// The host uid an app's sandbox and files have, from its SSH port; nil for Rostra's own
    /// (not root), or root's when the app's folder cannot be reached by another uid.
    ///
    /// bubblewrap, run as the app's uid, resolves each folder it binds by its path, so every
    /// folder above the app's must let others pass (`o+x`). Under a private home (/root is
    /// 0700) that is not so, and the sandbox then runs as root, as it would where unprivileged
    /// user namespaces are refused.
    func owner(forPort port: Int, folder: String) -> FileOwner? {
        guard case .appUIDs(let base)? = readiness.owner, Self.othersMayReach(folder) else { return nil }
        let uid = base + UInt32(port)
        return FileOwner(uid: uid, gid: uid)
    }

    /// Whether every folder above `path` lets users other than its owner pass.
    static func othersMayReach(_ path: String) -> Bool {
        var current = path
        while let slash = current.lastIndex(of: "/"), slash != current.startIndex {
            current = String(current[..<slash])
            var status = stat()
            guard stat(current, &status) == 0, status.st_mode & S_IXOTH != 0 else { return false }
        }
        var status = stat()
        return stat("/", &status) == 0 && status.st_mode & S_IXOTH != 0
    }

    // MARK: The apps' networks

    /// The host loopback ports (the storages' database servers) that an app reaches at the
    /// same address inside, asked at each start of a container: pasta's list is fixed when
    /// it starts, so a database server that starts later is reached after the app's next
    /// start (docs/rosti.md).
    public var servicePorts: [Int] { network.withLock { $0.servicePorts }() }

    /// Where `servicePorts` comes from (the storages' engines).
    public func provideServicePorts(_ provider: @escaping @Sendable () -> [Int]) {
        network.withLock { $0.servicePorts = provider }
    }

    /// A service port appeared (a storage's engine started, or came back on another port):
    /// every running container whose network lacks it gets a new one with the whole list
    /// (`AppContainer.followServicePorts()`), so that an app made before its first storage
    /// reaches the storage without a restart.
    public func servicePortsChanged() {
        let attached = spaces.withLock { spaces -> [AppSpace] in
            spaces.removeAll { $0.space == nil }
            return spaces.compactMap(\.space)
        }
        for space in attached {
            for app in space.appIDs { space.container(app)?.followServicePorts() }
        }
    }

    func register(_ space: AppSpace) {
        spaces.withLock { spaces in
            spaces.removeAll { $0.space == nil || $0.space === space }
            spaces.append(WeakSpace(space: space))
        }
    }

    /// `handler` runs whenever an app's published front appears or goes, or the API changed
    /// what routes to an app: the front door follows. Its argument says whether the caller
    /// waits for the change to take effect (an API request that must see it) or not (a
    /// container that started or ended on its own).
    public func observeFronts(_ handler: @escaping @Sendable (_ wait: Bool) -> Void) {
        network.withLock { $0.observers.append(handler) }
    }

    public func frontsChanged(wait: Bool = false) {
        for observer in network.withLock({ $0.observers }) { observer(wait) }
    }

    /// Where the front door listens, once `rostra serve` has one: apps-status probes apps
    /// through it.
    public var frontDoorAddress: FrontDoorAddress? {
        get { frontDoor.withLock { $0 } }
        set { frontDoor.withLock { $0 = newValue } }
    }

    /// Whether Rostra may start one more container by itself (`limits.automaticallyStartedContainers`).
    func mayStartAutomatically() -> Bool {
        automaticStarts.withLock { count in
            guard count < limits.automaticallyStartedContainers else { return false }
            count += 1
            return true
        }
    }

    func automaticStartEnded() {
        automaticStarts.withLock { $0 = max(0, $0 - 1) }
    }

    // MARK: Threads and processes, made on first use

    func watcher() throws -> ProcessWatcher {
        try services.withLock { services in
            if let watcher = services.watcher { return watcher }
            guard !services.stopped else { throw SandboxError("Rostra is stopping") }
            let made = try ProcessWatcher()
            services.watcher = made
            return made
        }
    }

    func acceptor() throws -> SSHAcceptor {
        try services.withLock { services in
            if let acceptor = services.acceptor { return acceptor }
            guard !services.stopped else { throw SandboxError("Rostra is stopping") }
            let made = try SSHAcceptor()
            services.acceptor = made
            return made
        }
    }

    // MARK: Ports

    /// An endpoint listening on `preferred` when that port is free, else (`orAnother`) on a
    /// free port of `limits.sshPorts`; nil when none can be had (or this Rostra holds
    /// `limits.maximumEndpoints` already).
    func claimEndpoint(preferring preferred: Int?, orAnother: Bool = true) -> SSHEndpoint? {
        func reserve(_ port: Int) -> Bool {
            claimedPorts.withLock { claimed in
                guard claimed.count < limits.maximumEndpoints, !claimed.contains(port) else { return false }
                claimed.insert(port)
                return true
            }
        }
        func attempt(_ port: Int) -> SSHEndpoint? {
            guard reserve(port) else { return nil }
            if let endpoint = SSHEndpoint.bind(configuration.bindAddress, port: port) { return endpoint }
            release(port: port)
            return nil
        }
        if let preferred, (1...65_535).contains(preferred), let endpoint = attempt(preferred) { return endpoint }
        guard orAnother else { return nil }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<limits.portAttempts {
            if claimedPorts.withLock({ $0.count >= limits.maximumEndpoints }) { return nil }
            if let endpoint = attempt(Int.random(in: limits.sshPorts, using: &generator)) { return endpoint }
        }
        return nil
    }

    func release(port: Int) {
        claimedPorts.withLock { _ = $0.remove(port) }
    }

    /// Endpoints held now, across tenants.
    public var endpointCount: Int { claimedPorts.withLock { $0.count } }

    // MARK: Stopping

    /// Ends the accepting thread and every child process (sandboxes, sessions, at once).
    /// Called once every tenant's apps were stopped, at shutdown; nothing starts afterwards.
    public func shutdown() {
        let (watcher, acceptor) = services.withLock { services in
            services.stopped = true
            return (services.watcher, services.acceptor)
        }
        acceptor?.stop()
        watcher?.shutdown(grace: .zero)
    }
}
