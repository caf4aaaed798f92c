/// Every bound of the hosting plane behind the Rosti API — app containers, their SSH
/// endpoints and processes, the front door, the database engines behind storages — in one
/// place. Each part has its own nested values.
public struct HostingLimits: Sendable, Equatable {
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
}
