import Dispatch
import Foundation
import Primitives
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// One app's container and SSH endpoint: the port Rostra listens on for it, the sandbox
/// (started by the first connection, so that an idle Rostra runs no process), and the SSH
/// sessions entered into it, one `sshd -i` per connection.
public final class AppContainer: Sendable {
    public let appID: Int64
    let folder: AppFolder
    let host: ContainerHost
    /// Starts and session spawns, one after another: connections that arrive while the
    /// sandbox starts wait behind the start.
    private let queue: DispatchQueue
    /// `apps-action`s, one after another (`act`): a start waits on `queue`, so not on it.
    private let actions: DispatchQueue
    private let state: AdaptiveMutex<State>

    /// What can be set from the API's rows.
    public struct Settings: Sendable, Equatable {
        public var name: String
        public var keys: [String]
        public var enabled: Bool
        /// What the app listens on behind its nginx on 8000 (the API's `app_port`).
        public var appPort: Int

        public init(name: String, keys: [String], enabled: Bool, appPort: Int = AppContainer.defaultAppPort) {
            self.name = name
            self.keys = keys
            self.enabled = enabled
            self.appPort = appPort
        }
    }

    /// Rosti's: apps listen on 8080.
    public static let defaultAppPort = 8080

    /// The containers' time zone (`TZ`), Rosti's; cron reads the apps' tables in it too.
    public static let timeZone = "Europe/Prague"

    private struct State {
        var settings: Settings
        var endpoint: SSHEndpoint?
        var acceptToken: UInt64?
        var sandbox: Sandbox?
        /// The sandbox's network (pasta), while it runs.
        var network: AppNetwork?
        var sessions: [pid_t: ChildProcess] = [:]
        /// Cron jobs running (`runCronJobs`).
        var cronJobs: [pid_t: ChildProcess] = [:]
        /// Connections held while the SSH is late.
        var held: [Int32] = []
        var lateUntil: ContinuousClock.Instant?
        var refuseUntil: ContinuousClock.Instant?
        /// Bumped by every fault change, so an older fault's timer does nothing.
        var faultGeneration = 0
        /// Bumped by every stop, so a start that was under way gives its sandbox up.
        var generation = 0
        /// Why the last start failed; cleared by the next good one.
        var problem: String?
        var removed = false
        /// Started by Rostra itself (counted in `ContainerHost`'s automatic starts).
        var startedAutomatically = false
        /// Left stopped because Rostra had started as many containers by itself as it may.
        var waitingForStart = false
    }

    init(appID: Int64, folder: AppFolder, host: ContainerHost, settings: Settings) {
        self.appID = appID
        self.folder = folder
        self.host = host
        queue = DispatchQueue(label: "rostra.app.\(appID)")
        actions = DispatchQueue(label: "rostra.app.\(appID).actions")
        state = AdaptiveMutex(State(settings: settings))
    }

    // MARK: The endpoint

    /// The SSH port, while the app has an endpoint.
    public var port: Int? { state.withLock { $0.endpoint?.port } }

    /// Takes an endpoint (on `preferred` if it is free, else on another port unless
    /// `orAnother` is false) and starts accepting on it; returns its port, or nil when there
    /// is none to be had (and says why in the status).
    @discardableResult
    public func open(preferring preferred: Int?, orAnother: Bool = true) -> Int? {
        if let port { return port }
        guard let endpoint = host.claimEndpoint(preferring: preferred, orAnother: orAnother) else {
            if let preferred, !orAnother {
                state.withLock { $0.problem = "its SSH port \(preferred) is taken by another program; it listens again when Rostra starts with the port free" }
            }
            return nil
        }
        state.withLock { $0.problem = nil }
        return attach(endpoint)
    }

    /// Starts accepting on an endpoint claimed before the app had an id.
    @discardableResult
    func attach(_ endpoint: SSHEndpoint) -> Int? {
        let acceptor: SSHAcceptor
        do {
            acceptor = try host.acceptor()
        } catch {
            host.release(port: endpoint.port)
            endpoint.close()
            return nil
        }
        let token = acceptor.watch(endpoint) { [weak self] connection in
            if let self {
                self.accepted(connection)
            } else {
                close(connection)
            }
        }
        let kept = state.withLock { state -> Bool in
            guard !state.removed, state.endpoint == nil else { return false }
            state.endpoint = endpoint
            state.acceptToken = token
            return true
        }
        guard kept else {
            acceptor.withdraw(token)
            host.release(port: endpoint.port)
            endpoint.close()
            return port
        }
        return endpoint.port
    }

    /// Closes the endpoint: the port is free again and connections are refused.
    private func closeEndpoint() {
        let (endpoint, token) = state.withLock { state in
            defer {
                state.endpoint = nil
                state.acceptToken = nil
            }
            return (state.endpoint, state.acceptToken)
        }
        if let token { (try? host.acceptor())?.withdraw(token) }
        if let endpoint {
            endpoint.close()
            host.release(port: endpoint.port)
        }
    }

    // MARK: Settings

    public var settings: Settings { state.withLock { $0.settings } }

    /// New settings from the API: the keys take effect at once (sshd reads the file at each
    /// connection); a disabled app's container stops and its connections are closed.
    public func update(_ settings: Settings) {
        let previous = state.withLock { state in
            defer { state.settings = settings }
            return state.settings
        }
        if settings.keys != previous.keys, HostFiles.exists(folder.sys) {
            do {
                try folder.writeKeys(settings.keys, owner: port.flatMap { host.owner(forPort: $0, folder: folder.path) })
            } catch {
                host.logger.error("app \(appID): writing its authorized keys: \(error)")
            }
        }
        if !settings.enabled && previous.enabled { stop() }
    }

    // MARK: Connections

    private enum Admission {
        case serve
        case hold(until: ContinuousClock.Instant, generation: Int)
        case refuse
    }

    /// On the accepting thread: serve, hold (late) or close at once.
    private func accepted(_ connection: Int32) {
        let admission = state.withLock { state -> Admission in
            guard !state.removed, state.settings.enabled else { return .refuse }
            if let until = state.lateUntil, ContinuousClock.now < until {
                guard state.held.count < host.limits.heldConnectionsPerApp else { return .refuse }
                state.held.append(connection)
                return .hold(until: until, generation: state.faultGeneration)
            }
            guard state.sessions.count < host.limits.sessionsPerApp else { return .refuse }
            return .serve
        }
        switch admission {
        case .refuse: close(connection)
        case .serve: queue.async { self.serve(connection) }
        case .hold: break
        }
    }

    /// Starts the container in the background, as Rostra does by itself for an enabled app
    /// (a new one, or at Rostra's start): a client connecting right away (rostictl does,
    /// after creating the app) waits less, and the app answers through the front door. At
    /// most `limits.automaticallyStartedContainers` across tenants; the others start on
    /// their first SSH connection or an `apps-action` start.
    public func startInBackground() {
        let wanted = state.withLock { state -> Bool in
            guard !state.removed, state.settings.enabled, !state.startedAutomatically, state.sandbox?.isRunning != true else { return false }
            return true
        }
        guard wanted else { return }
        guard host.mayStartAutomatically() else {
            state.withLock { $0.waitingForStart = true }
            return
        }
        state.withLock {
            $0.startedAutomatically = true
            $0.waitingForStart = false
        }
        queue.async {
            if self.runningSandbox() == nil { self.endAutomaticStart() }
        }
    }

    private func endAutomaticStart() {
        let counted = state.withLock { state -> Bool in
            defer { state.startedAutomatically = false }
            return state.startedAutomatically
        }
        if counted { host.automaticStartEnded() }
    }

    /// Starts the sandbox if needed, then enters an sshd for the connection at once, as on
    /// Rosti, where SSH answers before supervisord is up (the container's `supervisorctl`
    /// waits for it).
    private func serve(_ connection: Int32) {
        defer { close(connection) }
        guard let sandbox = runningSandbox() else { return }
        let log = Glibc.open(folder.sshLog, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
        defer { if log >= 0 { close(log) } }
        // As the sandbox: a session of another uid may not enter its namespaces.
        guard let command = sandbox.sessionCommand(tools: host.readiness.tools, connection: connection, log: log, identity: sandbox.identity) else {
            return
        }
        enter(command, into: sandbox, keptIn: \.sessions, for: "an SSH session")
    }

    /// Spawns `command` (entering `sandbox`) and keeps its process in `kept` while it runs,
    /// so that a stop ends it; killed at once if the sandbox was stopped meanwhile.
    private func enter(_ command: Command, into sandbox: Sandbox, keptIn kept: WritableKeyPath<State, [pid_t: ChildProcess]> & Sendable, for what: String) {
        var entering = command
        entering.stopSignal = SIGKILL
        do {
            let process = try host.watcher().spawn(entering)
            let adopted = state.withLock { state -> Bool in
                guard !state.removed, state.sandbox === sandbox else { return false }
                state[keyPath: kept][process.pid] = process
                return true
            }
            guard adopted else {
                process.signal(SIGKILL)
                return
            }
            let pid = process.pid
            process.onExit { [weak self] (_: Termination) in _ = self?.state.withLock { $0[keyPath: kept].removeValue(forKey: pid) } }
        } catch {
            host.logger.error("app \(appID): entering its container for \(what): \(error)")
        }
    }

    /// The running sandbox, started now if there is none; nil (and the reason kept for
    /// apps-status) when it cannot start.
    private func runningSandbox() -> Sandbox? {
        let (current, generation, settings, removed) = state.withLock { ($0.sandbox, $0.generation, $0.settings, $0.removed) }
        if removed || !settings.enabled { return nil }
        if let current, current.isRunning { return current }
        let readiness = host.readiness
        guard readiness.isReady else {
            state.withLock { $0.problem = "app containers cannot run here: " + readiness.problems.joined(separator: "; ") }
            return nil
        }
        guard let port else { return nil }
        do {
            // The space's folder first: whether the app's own uid can reach the app's folder
            // is decided by the folders above it.
            _ = try folder.space?.root()
            let owner = host.owner(forPort: port, folder: folder.path)
            let watcher = try host.watcher()
            guard let keygen = readiness.tools[ContainerTools.sshKeygen] else { throw SandboxError("ssh-keygen is not installed") }
            try folder.prepare(
                AppFolder.Settings(
                    hostname: Self.hostname(name: settings.name, id: appID), keys: settings.keys, owner: owner,
                    techs: host.machineTechs, hostKeyTypes: host.limits.hostKeyTypes,
                    supervisordStartSeconds: host.limits.supervisordStartSeconds, appPort: settings.appPort),
                sshKeygen: keygen, watcher: watcher)
            let started = try Sandbox.start(
                folder: folder, hostname: Self.hostname(name: settings.name, id: appID), tools: readiness.tools, identity: owner,
                watcher: watcher, limits: host.limits)
            let network: AppNetwork
            do {
                network = try AppNetwork.attach(
                    started, hostPorts: host.servicePorts, tools: readiness.tools, identity: owner, log: folder.containerLog,
                    watcher: watcher, limits: host.limits)
            } catch {
                started.kill()
                throw error
            }
            let kept = state.withLock { state -> Bool in
                guard !state.removed, state.generation == generation, state.settings.enabled else { return false }
                state.sandbox = started
                state.network = network
                state.problem = nil
                return true
            }
            guard kept else {
                started.kill()
                network.stop()
                return nil
            }
            host.frontsChanged()
            // Cron starts with the container: its @reboot jobs now.
            runCronJobs(installedCrontab()?.entries.filter { $0.schedule == nil } ?? [])
            started.process.onExit { [weak self, weak started] ended in
                guard let self else { return }
                let network = self.state.withLock { state -> AppNetwork? in
                    guard let started, state.sandbox === started else { return nil }
                    state.sandbox = nil
                    defer { state.network = nil }
                    return state.network
                }
                if let network {
                    network.stop()
                    self.endAutomaticStart()
                    self.host.frontsChanged()
                }
                if case .signalled(SIGKILL) = ended { return }
                self.host.logger.warning("app \(self.appID): its container ended (\(ended))")
            }
            return started
        } catch {
            host.logger.error("app \(appID): its container cannot start: \(error)")
            state.withLock { $0.problem = "its container cannot start: \(error)" }
            return nil
        }
    }

    /// Rosti's container host names look like `quickapp_4509`.
    static func hostname(name: String, id: Int64) -> String {
        String("\(name)_\(id)".prefix(63))
    }

    // MARK: Cron

    /// The crontab installed in the container (where its `crontab` puts it), read without
    /// following a link, since the app owns the folder; nil when none is, or it is not a
    /// plain file of at most `limits.crontabBytes`.
    public func installedCrontab() -> CronTable? {
        let descriptor = Glibc.open(folder.spool + "/app", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size <= host.limits.crontabBytes else { return nil }
        return CronTable(parsing: String(decoding: readAll(descriptor, limit: host.limits.crontabBytes), as: UTF8.self))
    }

    /// Runs `entries` in the running container as cron runs a job: as `app` in `/srv`,
    /// with cron's environment (`SHELL=/bin/sh`, `PATH=/usr/bin:/bin`, `HOME`, `LOGNAME`)
    /// and the table's settings, the command given to `$SHELL -c`, its input what followed
    /// `%`. There is no mail in a container: what a job prints goes to
    /// `/srv/log/cron.log`, after a line naming it. Nothing runs in a stopped container,
    /// and at most `limits.cronJobsPerApp` jobs run at once.
    public func runCronJobs(_ entries: [CronTable.Entry]) {
        guard !entries.isEmpty else { return }
        queue.async { [self] in
            guard let sandbox = state.withLock({ $0.sandbox }), sandbox.isRunning else { return }
            for entry in entries { runCronJob(entry, in: sandbox) }
        }
    }

    /// Inside, as `app`: the output to cron.log when it can be written (the job runs all the
    /// same when it cannot), the line naming the job, then the job.
    static let cronJobScript = #"""
        if true 2>/dev/null >>/srv/log/cron.log; then exec >>/srv/log/cron.log 2>&1; else exec >/dev/null 2>&1; fi
        printf '%s CRON (app) CMD (%s)\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$1"
        exec "${SHELL:-/bin/sh}" -c "$1"
        """#

    private func runCronJob(_ entry: CronTable.Entry, in sandbox: Sandbox) {
        let running = state.withLock { $0.cronJobs.count }
        guard running < host.limits.cronJobsPerApp else {
            host.logger.warning("app \(appID): cron job not run, \(running) are still running: \(entry.command)")
            return
        }
        var environment = ["SHELL": "/bin/sh", "PATH": "/usr/bin:/bin", "HOME": "/srv", "LOGNAME": "app", "LANG": "C.UTF-8", "TZ": Self.timeZone]
        for (name, value) in entry.environment { environment[name] = value }
        var input: Int32 = -1
        if let text = entry.input {
            guard let ends = makePipe() else { return }
            // The table is at most `crontabBytes`, less than a pipe holds: this never waits.
            _ = Array(text.utf8).withUnsafeBytes { write(ends.write, $0.baseAddress, $0.count) }
            close(ends.write)
            input = ends.read
        }
        defer { if input >= 0 { close(input) } }
        guard let command = sandbox.enteringCommand(
            ["/bin/sh", "-c", Self.cronJobScript, "cron", entry.command], tools: host.readiness.tools, environment: environment,
            descriptors: [input, -1, -1], identity: sandbox.identity)
        else { return }
        enter(command, into: sandbox, keptIn: \.cronJobs, for: "a cron job")
    }

    // MARK: Stopping

    /// Ends the container: its sessions, its processes, the connections it held. The
    /// endpoint stays; the next connection starts a new container.
    public func stop() {
        let (sandbox, network, sessions, held) = state.withLock { state in
            state.generation += 1
            defer {
                state.sandbox = nil
                state.network = nil
                state.sessions = [:]
                state.cronJobs = [:]
                state.held = []
            }
            return (state.sandbox, state.network, Array(state.sessions.values) + Array(state.cronJobs.values), state.held)
        }
        endAutomaticStart()
        for session in sessions { session.signal(SIGKILL) }
        sandbox?.kill()
        // pasta holds the namespace itself and outlives the sandbox unless ended.
        network?.stop()
        for connection in held { close(connection) }
        if sandbox != nil { host.frontsChanged() }
    }

    /// pasta's list of the host's service ports is fixed when it starts: when one appears
    /// that the running network lacks (a new state's first storage starts its engine after
    /// the app's container), the network is made again with the whole list, on the
    /// container's queue (after any start under way). Connections through the old network
    /// end, as they would if the balancer moved; the front door follows the new published
    /// port.
    func followServicePorts() {
        queue.async { [self] in
            let wanted = Set(host.servicePorts.filter { (1...65_535).contains($0) })
            let running = state.withLock { state -> (Sandbox, AppNetwork)? in
                guard let sandbox = state.sandbox, sandbox.isRunning, let network = state.network else { return nil }
                return (sandbox, network)
            }
            guard let (sandbox, old) = running, !wanted.isSubset(of: old.hostPorts) else { return }
            old.stop()
            do {
                let network = try AppNetwork.attach(
                    sandbox, hostPorts: wanted.sorted(), tools: host.readiness.tools, identity: sandbox.identity,
                    log: folder.containerLog, watcher: try host.watcher(), limits: host.limits)
                let kept = state.withLock { state -> Bool in
                    guard state.sandbox === sandbox, state.network === old else { return false }
                    state.network = network
                    return true
                }
                if !kept { network.stop() }
            } catch {
                host.logger.error("app \(appID): its network for the new service ports \(wanted.sorted()): \(error)")
                state.withLock { state in
                    if state.network === old { state.network = nil }
                    state.problem = "its network cannot start: \(error)"
                }
            }
            host.frontsChanged()
        }
    }

    /// Starts the container now (if enabled and not running) and waits until its
    /// supervisord listens and its nginx answers; false when it cannot start (apps-status
    /// says why).
    @discardableResult
    public func start() -> Bool {
        state.withLock { $0.waitingForStart = false }
        let started = queue.sync { runningSandbox() }
        guard let started else { return false }
        let deadline = ContinuousClock.now + .seconds(host.limits.supervisordStartSeconds)
        // Until its supervisord listens (the request that finds it also wakes it).
        while !wakeSupervisord() {
            guard started.isRunning else { return false }
            guard ContinuousClock.now < deadline else {
                host.logger.warning("app \(appID): its supervisord did not listen within \(host.limits.supervisordStartSeconds) s (see /srv/log/ and its container.log)")
                return false
            }
            usleep(10_000)
        }
        // Then until its nginx answers on 8000 (any status: the app behind it may still be
        // starting), so that the front door has something to pass requests to.
        while ContinuousClock.now < deadline, let port = frontPort {
            if AppProbe.get(host: "127.0.0.1", port: port, hostName: "localhost", timeout: 1) != nil { return true }
            usleep(10_000)
        }
        if frontPort != nil {
            host.logger.warning("app \(appID): its nginx did not answer on 8000 within \(host.limits.supervisordStartSeconds) s (see /srv/log/nginx.log)")
        }
        return frontPort != nil
    }

    /// Runs `work` (an `apps-action` start, restart or rebuild) on the container's queue of
    /// actions, one after another, and waits for it at most `seconds`: true when it ended
    /// in time. A start that takes longer (a slow machine, an app whose nginx does not
    /// come up) goes on after the caller has its answer, as on the platform, where the
    /// action is accepted and apps-status tells how the container is; it never holds a
    /// client's request past the bound.
    public func act(waitingAtMost seconds: Double, _ work: @escaping @Sendable (AppContainer) -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        actions.async {
            work(self)
            done.signal()
        }
        return done.wait(timeout: .now() + seconds) == .success
    }

    /// `apps-action` rebuild: the container is made again from `/srv`, the only state that
    /// survives, as on the platform: its `/tmp`, its installed crontab and every file Rostra
    /// writes (`sys/`, host keys kept, so clients keep trusting the app) go, then it starts.
    public func rebuild() throws {
        stop()
        try queue.sync {
            try HostFiles.removeTree(folder.tmp)
            try HostFiles.removeTree(folder.spool)
            try folder.removeGeneratedFiles(keepingHostKeys: host.limits.hostKeyTypes)
        }
        start()
    }

    /// supervisord starts its programs after the first turn of its loop, which waits up to a
    /// second for activity on its sockets: a request on its socket (any, even a bad one)
    /// makes that turn now, so an app's nginx starts about a second sooner. False while
    /// nothing listens on the socket.
    private func wakeSupervisord() -> Bool {
        let path = folder.srv + "/run/supervisor.sock"
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return false }
        _ = "GET / HTTP/1.0\r\n\r\n".withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        return true
    }

    /// The host's loopback port that reaches the app's nginx on 8000, while it runs.
    public var frontPort: Int? {
        state.withLock { state in
            guard let sandbox = state.sandbox, sandbox.isRunning, let network = state.network, network.process.termination == nil else {
                return nil
            }
            return network.frontPort
        }
    }

    /// Whether its container runs now.
    public var isRunning: Bool { state.withLock { $0.sandbox?.isRunning == true } }

    /// The sandbox's pid 1 while it runs (its processes are those of its pid namespace).
    var runningPID1: pid_t? { state.withLock { state in state.sandbox.flatMap { $0.isRunning ? $0.pid1 : nil } } }

    /// For good: the port closes, the container ends, and nothing of it starts again. The
    /// folder is the caller's to remove afterwards.
    func remove() {
        state.withLock { $0.removed = true }
        closeEndpoint()
        stop()
        // A start under way finishes and, seeing the app removed, gives its sandbox up.
        queue.sync {}
        stop()
    }

    // MARK: Faults

    /// Holds new connections for `seconds` before serving them (a container slow to start);
    /// 0 ends it, serving what was held.
    public func makeLate(for seconds: Double) {
        let until = ContinuousClock.now + .seconds(seconds)
        let generation = state.withLock { state in
            state.faultGeneration += 1
            state.lateUntil = seconds > 0 ? until : nil
            return state.faultGeneration
        }
        if seconds > 0 {
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [weak self] in self?.endLateness(generation) }
        } else {
            endLateness(generation)
        }
    }

    private func endLateness(_ generation: Int) {
        let released = state.withLock { state -> [Int32] in
            guard state.faultGeneration == generation else { return [] }
            state.lateUntil = nil
            defer { state.held = [] }
            return state.held
        }
        for connection in released { queue.async { self.serve(connection) } }
    }

    /// Refuses connections for `seconds` (the kernel answers them with a reset, as for a
    /// closed port) while keeping the port; 0 listens again at once.
    public func refuse(for seconds: Double) {
        let (generation, endpoint, token) = state.withLock { state in
            state.faultGeneration += 1
            state.refuseUntil = seconds > 0 ? ContinuousClock.now + .seconds(seconds) : nil
            return (state.faultGeneration, state.endpoint, state.acceptToken)
        }
        guard let endpoint else { return }
        if seconds > 0 {
            // Closing the listening socket takes it out of the accepting thread's set; the
            // registration stays for `rewatch` once the port listens again.
            _ = token
            endpoint.refuse(on: host.configuration.bindAddress, patience: .seconds(host.limits.portRebindSeconds))
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [weak self] in self?.endRefusal(generation) }
        } else {
            endRefusal(generation)
        }
    }

    private func endRefusal(_ generation: Int) {
        let (endpoint, token) = state.withLock { state -> (SSHEndpoint?, UInt64?) in
            guard state.faultGeneration == generation, !state.removed else { return (nil, nil) }
            state.refuseUntil = nil
            return (state.endpoint, state.acceptToken)
        }
        guard let endpoint, let token else { return }
        if endpoint.listen(on: host.configuration.bindAddress, patience: .seconds(host.limits.portRebindSeconds)) {
            (try? host.acceptor())?.rewatch(token)
        } else {
            state.withLock { $0.problem = "its SSH port \(endpoint.port) was taken by another program while refused" }
        }
    }

    /// The outer bubblewrap's pid while the container runs (for tests that watch it end).
    var sandboxProcess: pid_t? { state.withLock { $0.sandbox?.process.pid } }

    // MARK: Status

    /// The container as the admin API and apps-status report it.
    public struct Status: Sendable {
        public let port: Int?
        public let listening: Bool
        public let running: Bool
        public let sessions: Int
        public let lateSeconds: Double?
        public let refusedSeconds: Double?
        public let problem: String?
        /// Enabled but not started: Rostra had started as many containers by itself as it may.
        public let waitingForStart: Bool
    }

    public var status: Status {
        state.withLock { state in
            let now = ContinuousClock.now
            func left(_ until: ContinuousClock.Instant?) -> Double? {
                guard let until, now < until else { return nil }
                let duration = until - now
                return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            }
            return Status(
                port: state.endpoint?.port, listening: state.endpoint?.isListening ?? false,
                running: state.sandbox?.isRunning ?? false, sessions: state.sessions.count, lateSeconds: left(state.lateUntil),
                refusedSeconds: left(state.refuseUntil), problem: state.problem,
                waitingForStart: state.waitingForStart && state.sandbox?.isRunning != true)
        }
    }
}
