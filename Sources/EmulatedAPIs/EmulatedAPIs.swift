import Emulator
import EmulatorState
import RosaFileStore
import RostiAPI

/// The APIs Rostra emulates: the one place that lists the plug-ins, in the order the
/// state's schema (and the export document) has their tables. The executable and the
/// tests that need the whole emulator take them from here.
public enum EmulatedAPIs {
    public static let plugins: [any APIPlugin] = plugins(rosti: RostiPlugin())

    /// The plug-ins with a Rosti plug-in of the caller's (one whose storages are real
    /// databases: `RostiPlugin(storages:)`).
    public static func plugins(rosti: RostiPlugin) -> [any APIPlugin] { [rosti, RosaPlugin()] }
    public static let schema = StateSchema(plugins: plugins.map(\.state))
}
