/// Every bound of the hosting plane behind the Rosti API — app containers, their SSH
/// endpoints and processes, the front door, the database engines behind storages — in one
/// place. Each part has its own nested values.
public struct HostingLimits: Sendable, Equatable {
    /// App containers and their SSH endpoints.
    public var containers = Containers()
    /// The database servers behind storages.
    public var engines = Engines()

    /// The front door (nginx, routing by `Host` to the apps).
    public struct FrontDoor: Sendable, Equatable {
        /// Connections nginx's one worker takes at once (the platform allows 8192 per app).
        public var connections = 4096
        /// The largest body a request may carry, as the runtime's own nginx allows (2 GB).
        public var maximumBodyMegabytes = 2048
        /// How long a proxied request may wait on the app, as the runtime's nginx (600 s).
        public var upstreamTimeoutSeconds = 600
        /// Idle connections to each app kept open for the next requests.
        public var keepaliveConnectionsPerApp = 16
        /// How long nginx may take to listen after it was started or reloaded.
        public var readyTimeout: Duration = .seconds(5)

        public init() {}
    }

    public var frontDoor = FrontDoor()

    public init() {}

    public static let `default` = HostingLimits()

    /// Bounds of the app containers (`AppSpace`, `AppContainer`) and their SSH endpoints.
    public struct Containers: Sendable, Equatable {
        /// Where a new app's SSH port is chosen: below Linux's ephemeral range (32768–60999 by
        /// default), so that no outgoing connection holds an app's port while Rostra is down
        /// and the port can be taken again at the next start.
        public var sshPorts: ClosedRange<Int> = 20_000...32_767
        /// Random ports tried in `sshPorts` before a new app goes without an endpoint.
        public var portAttempts = 64
        /// Listening SSH endpoints one Rostra holds, across tenants: each is a descriptor, and
        /// a benchmark creating apps by the thousand must not run the process out of them.
        /// Apps beyond it are rows without an endpoint (apps-status `info` says so).
        public var maximumEndpoints = 1_000
        /// SSH sessions open at once on one app; more connections are closed at once.
        public var sessionsPerApp = 64
        /// Cron jobs of one app running at once; a job due beyond it is not run (and logged).
        public var cronJobsPerApp = 16
        /// The largest crontab cron reads (Vixie cron's lines are short): less than a pipe
        /// holds, so a job's input is written at once.
        public var crontabBytes = 32_768
        /// Connections an app holds while its SSH is made late (`SSHFault.late`); more are closed.
        public var heldConnectionsPerApp = 64
        /// From spawning bubblewrap to the sandbox saying it is complete (its mounts done).
        public var sandboxStartSeconds = 10.0
        /// How long `supervisorctl` in a session waits for the app's supervisord to listen,
        /// so that a client's `supervisorctl` right after its first `echo 1` finds it (as
        /// rostictl's step 2 does); it runs anyway afterwards and says what is wrong.
        public var supervisordStartSeconds = 10.0
        /// The longest an `apps-action` start, restart or rebuild holds its request waiting
        /// for the container to come up (its supervisord listening, its nginx answering);
        /// the start goes on afterwards. Below the 10 s many clients time out at.
        public var actionAnswerSeconds = 5.0
        /// How long the refusal fault keeps trying to bind an app's port again after closing
        /// its listening socket (a child being spawned may hold the socket for a moment).
        public var portRebindSeconds = 1.0
        /// The longest an admin fault may make an app's SSH late or refused.
        public var maximumFaultSeconds = 3_600.0
        /// The host keys each app's sshd has (ssh-keygen types). RSA is left out: a 3072-bit
        /// key costs 0.5–1 s to make, and every client in scope takes ed25519 or ECDSA.
        public var hostKeyTypes = ["ed25519", "ecdsa"]
        /// As root, app `i`'s sandbox runs as host uid `rootUIDBase + <its SSH port>`: a uid of
        /// its own, far above real users, subordinate ranges and `nobody`, that stays the same
        /// across restarts (the port does) and below 2^31 for tools that read uids as signed.
        public var rootUIDBase: UInt32 = 2_000_000_000
        /// Lines of an app's container log quoted when its start fails.
        public var logLinesQuoted = 5
        /// From spawning an app's pasta to its published port accepting connections.
        public var networkStartSeconds = 5.0
        /// Free loopback ports tried for an app's published front before its start fails
        /// (another program may take a free port before pasta binds it).
        public var networkPortAttempts = 5
        /// Containers Rostra starts by itself (enabled apps at its start, new apps): each
        /// running app costs about 60 MB (docs/performance.md), and a benchmark makes apps
        /// by the thousand. Beyond it an app starts on its first SSH connection or an
        /// `apps-action` start; apps-status says so.
        public var automaticallyStartedContainers = 24
        /// The longest `supervisorctl` (asked for apps-status) may take.
        public var supervisorctlSeconds = 5.0

        public init() {}
    }

    /// The database servers behind storages (`DatabaseEngine`).
    public struct Engines: Sendable, Equatable {
        /// From spawning a server to its `READY=1`; measured 0.06–0.3 s, and crash recovery
        /// of a killed server up to 0.7 s on a busy machine.
        public var readiness: Duration = .seconds(30)
        /// A stop signal's grace before SIGKILL (measured 14–185 ms with clients connected).
        public var stopGrace: Duration = .seconds(10)
        /// One administration call (a client run with its SQL); creating a database on a
        /// slow disk was measured at up to 1 s.
        public var adminCall: Duration = .seconds(60)
        /// Making a data directory (initdb, mariadb-install-db: 1–6 s measured) or copying
        /// the template.
        public var dataMaking: Duration = .seconds(180)
        /// Dumping or loading one storage's database, for an export or an import.
        public var dumpCall: Duration = .seconds(300)
        /// Starts tried when the chosen port turns out taken (another program bound it
        /// between the check and the server's bind).
        public var portAttempts = 3
        /// An engine that ends by itself is started again after 1, 2, 4 … s, at most this…
        public var restartDelayCeiling: Duration = .seconds(30)
        /// …and is left failed after this many unexpected ends within `restartWindow`.
        public var restartsBeforeFailing = 5
        public var restartWindow: Duration = .seconds(60)
        /// Free space /dev/shm must have for a throwaway state's engines to live there
        /// (both engines' data take about 60 MB; Docker's default /dev/shm is 64 MB).
        public var sharedMemoryFolderMinimumBytes: Int64 = 512 * 1024 * 1024
        /// Lines of a server's log quoted when it fails.
        public var logLinesQuoted = 5

        public init() {}
    }
}
