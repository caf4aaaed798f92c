/// Where the front door sends requests for some host names.
public struct FrontDoorRoute: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// Proxy to the app's front (its nginx on 8000) at this loopback port.
        case app(port: Int)
        /// The app is stopped: a page that says so (503).
        case stopped
        /// A fault rule answers this status (502, 504) for the app, as a broken balancer would.
        case fault(status: Int)
    }

    /// Names in `Host` that reach the app: its domains and its `*.localhost` name.
    public let hostNames: [String]
    /// The app's name, for the pages the front door answers itself.
    public let appName: String
    public let target: Target

    public init(hostNames: [String], appName: String, target: Target) {
        self.hostNames = hostNames
        self.appName = appName
        self.target = target
    }
}
