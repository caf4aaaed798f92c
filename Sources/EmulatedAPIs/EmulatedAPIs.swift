import Emulator
import EmulatorState
import RosaFileStore
import RostiAPI

/// The APIs Rostra emulates: the one place that lists the plug-ins, in the order the
/// state's schema (and the export document) has their tables. The executable and the
/// tests that need the whole emulator take them from here.
public enum EmulatedAPIs {
    /// The plug-ins with the Rosti apps as rows only (no containers): what tests of the
    /// APIs' data use.
    public static let plugins: [any APIPlugin] = [RostiPlugin(), RosaPlugin()]
    public static let schema = StateSchema(plugins: plugins.map(\.state))

    /// The plug-ins as `rostra serve` runs them: the Rosti apps with real containers.
    public static func plugins(rostiContainers: AppContainers?) -> [any APIPlugin] {
        [RostiPlugin(containers: rostiContainers), RosaPlugin()]
    }
}
