import Arguments
import EmulatedAPIs
import Emulator
import EmulatorState
import Logging
import RostiAPI
import RostiHosting

/// The database engines behind storages for one command: beside the state's database file
/// (`<database>-engines/`), or in a throwaway folder for `:memory:`. Nothing starts here:
/// an engine starts when first needed, or in the background once Rostra listens when the
/// state has storages of it.
struct StorageEngineSetup {
    static let host = OptionSpec(
        "storage-host", .value(valueName: "name"),
        help: "Host name storages report as theirs (where apps reach the database servers Rostra runs).",
        environment: EnvironmentFallback("ROSTRA_STORAGE_HOST"), shownDefault: StorageHosting.defaultHostname)

    /// A host name or address as a client connects to it: printable ASCII without spaces,
    /// at most a DNS name's 253 characters.
    static func hostname(from arguments: ParsedArguments) throws(UsageError) -> String {
        try arguments.value(host, expected: "a host name or address (printable ASCII without spaces, at most 253 characters)") { name in
            !name.isEmpty && name.utf8.count <= 253 && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F } ? name : nil
        } ?? StorageHosting.defaultHostname
    }

    static let off = OptionSpec(
        "no-storage-engines", .flag,
        help: "Run no database server: storages stay rows, as on a machine without PostgreSQL and MariaDB.",
        environment: EnvironmentFallback("ROSTRA_NO_STORAGE_ENGINES", shown: "ROSTRA_NO_STORAGE_ENGINES=1"))

    /// Nil with --no-storage-engines.
    let engines: StorageEngines?
    let hosting: StorageHosting

    init(location: StateStore.Location, hostname: String, enabled: Bool, logger: Logger) {
        guard enabled else {
            engines = nil
            hosting = StorageHosting(engines: nil, hostname: hostname, logger: logger)
            return
        }
        let folders: EngineFolders
        switch location {
        case .file(let path): folders = .beside(database: path)
        case .memory: folders = .throwaway()
        }
        let engines = StorageEngines(folders: folders, logger: logger)
        self.engines = engines
        hosting = StorageHosting(engines: engines, hostname: hostname, logger: logger)
    }

    /// The emulator's plug-ins, the Rosti one with these engines.
    var plugins: [any APIPlugin] { EmulatedAPIs.plugins(rosti: RostiPlugin(storages: hosting)) }

    /// The banner's line: which engines make storages real databases here.
    var bannerLine: String {
        guard let engines else { return "  Storages             rows only (--no-storage-engines)" }
        let available = engines.all.filter(\.isInstalled).map { $0.engine.productName }
        guard !available.isEmpty else { return "  Storages             rows only (no engine installed)" }
        return "  Storages             \(available.joined(separator: " and ")) databases on \(hosting.hostname)"
    }
}
