import Foundation
import Logging

#if canImport(Glibc)
import Glibc
import Processes
#endif

/// The database servers behind Rosti storages, one per engine for the whole Rostra process
/// and shared by its tenants (each storage is a database and an account of its own in
/// them). Found on the machine when made (file tests only); a server starts when first
/// needed and stops with `close()`.
public final class StorageEngines: Sendable {
    private let context: EngineContext
    private let servers: [DatabaseEngine: EngineServer]

    /// Looks for both engines; starts nothing. `findings` replaces the look at the machine
    /// (tests of a machine without an engine).
    public init(
        folders: EngineFolders, limits: HostingLimits.Engines = HostingLimits.default.engines, logger: Logger,
        findings: [DatabaseEngine: EngineInstallation.Finding]? = nil
    ) {
        context = EngineContext(folders: folders, limits: limits, logger: logger)
        var servers: [DatabaseEngine: EngineServer] = [:]
        for engine in DatabaseEngine.allCases {
            let finding = findings?[engine] ?? EngineInstallation.find(engine)
            servers[engine] = EngineServer(engine: engine, finding: finding, context: context)
        }
        self.servers = servers
    }

    public func server(_ engine: DatabaseEngine) -> EngineServer { servers[engine]! }

    public var all: [EngineServer] { DatabaseEngine.allCases.map { servers[$0]! } }

    /// `/tmp/rostra-engines.XXXXXX` (sockets; a throwaway state's data), once an engine
    /// started; removed by `close()`, or by its reaper when Rostra is killed.
    public var runtimeFolder: String? { context.runtimePath }

    /// Engines whose data (beside a persistent state) another living Rostra runs a server
    /// on now, with that Rostra's pid.
    public var runningElsewhere: [(DatabaseEngine, pid_t)] {
        guard let folder = context.folders.persistent else { return [] }
        return DatabaseEngine.allCases.compactMap { engine in
            let pids = EngineFiles.read("\(folder)/\(engine.rawValue)/rostra-owner")?
                .split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { pid_t($0) } ?? []
            guard pids.count == 2, pids[0] != getpid(), EngineFiles.isRunning(pids[0]), EngineFiles.isRunning(pids[1]) else { return nil }
            return (engine, pids[0])
        }
    }

    /// Lets background work begin (see `EngineServer.activate()`).
    public func activate() {
        for server in all { server.activate() }
    }

    /// Stops both servers (each with its own stop signal, at the same time), removes the
    /// runtime folder and ends the process watcher. Safe to call more than once.
    public func close() {
        let servers = all
        DispatchQueue.concurrentPerform(iterations: servers.count) { servers[$0].close() }
        context.close()
    }

    /// What each engine needs to work here, for the banner, health and the dashboard.
    public var parts: [RealPart] {
        all.map { server in
            let availability: RealPart.Availability
            switch server.state {
            case .notInstalled: availability = .missing(install: server.engine.installCommand)
            default: availability = .available(detail: server.installation?.detail ?? "")
            }
            return RealPart(name: server.engine.productName, neededFor: "storages of engine \(server.engine.rawValue)", availability: availability)
        }
    }
}
