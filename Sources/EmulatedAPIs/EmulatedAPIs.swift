import Emulator
import EmulatorState
import RosaFileStore
import RostiAPI

/// The APIs Rostra emulates: the one place that lists the plug-ins, in the order the
/// state's schema (and the export document) has their tables. The executable and the
/// tests that need the whole emulator take them from here.
public enum EmulatedAPIs {
    /// The plug-ins with the Rosti API's defaults: storages and apps as rows only (no
    /// engines, no containers), what tests of the APIs' data use.
    public static let plugins: [any APIPlugin] = plugins(rosti: RostiPlugin())

    /// The plug-ins with a Rosti plug-in of the caller's (one whose storages are real
    /// databases and whose apps have containers: `RostiPlugin(storages:containers:)`).
    public static func plugins(rosti: RostiPlugin) -> [any APIPlugin] { [rosti, RosaPlugin()] }
    public static let schema = StateSchema(plugins: plugins.map(\.state))
}
