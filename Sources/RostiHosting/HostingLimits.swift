/// Every bound of the hosting plane behind the Rosti API — app containers, their SSH
/// endpoints and processes, the front door, the database engines behind storages — in one
/// place. Each part has its own nested values.
public struct HostingLimits: Sendable, Equatable {
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
