import Dispatch
import Emulator
import EmulatorState
import Foundation
import Logging
import Primitives
import RostiHosting
import Store

/// Where storages are real databases: the engines of this Rostra (`StorageEngines`, none
/// when it runs without), the host name storages report, and the rule that the engines
/// hold exactly the storages the tenants' states hold — no orphan, none missing.
///
/// Every tenant shares the two servers. The default tenant's storages keep the names the
/// API generates; every other tenant's get the tenant's tag (`blog_1894_k3f9qa`), because
/// tenants are copies of one seed and one server cannot hold two databases of one name.
/// The API reports those names, so what a client reads is what connects.
///
/// How the engines follow the states:
/// - an engine's first work in this process reconciles it whole: databases of tenants
///   that do not exist (an earlier run's) go, each live tenant's missing ones are made;
/// - a state made from the seed (a new tenant, a first start, `--reseed`), a reset and an
///   import replace the tenant's databases with new ones (an import's with their dumps);
/// - a storage created, its password changed, or deleted through the API is applied to
///   its engine at once, after the row is committed (every step works whatever the engine
///   already holds, so a reconciliation in between does no harm);
/// - a deleted tenant's databases are dropped.
/// While an engine is down or failed, its work waits (`EngineServer.submit`) and is done
/// when it is up; the API answers meanwhile from its rows.
public final class StorageHosting: Sendable {
    public let engines: StorageEngines?
    /// What storages report as `hostname` when their engine runs here.
    public let hostname: String
    let logger: Logger
    /// Live tenants by name.
    private let tenants = AdaptiveMutex<[String: TenantStorages]>([:])
    /// Engines reconciled whole in this process.
    private let reconciled = AdaptiveMutex<Set<DatabaseEngine>>([])

    public static let defaultHostname = "127.0.0.1"

    public init(engines: StorageEngines?, hostname: String = StorageHosting.defaultHostname, logger: Logger) {
        self.engines = engines
        self.hostname = hostname
        self.logger = logger
    }

    /// Storages as rows only: no engine, the rows' host names and ports (tests of the API
    /// alone, and `EmulatedAPIs.plugins`).
    public static func rowsOnly(logger: Logger = Logger(label: "rostra")) -> StorageHosting {
        StorageHosting(engines: nil, logger: logger)
    }

    /// The engine server of `engine` when it is installed and Rostra runs engines.
    func server(_ engine: DatabaseEngine) -> EngineServer? {
        guard let server = engines?.server(engine), server.isInstalled else { return nil }
        return server
    }

    // MARK: Names

    /// The name the engine knows a storage by: `logical` in the default tenant, with the
    /// tenant's tag in any other.
    public static func engineName(_ logical: String, tenant: String) -> String {
        tenant == TenantName.defaultName ? logical : logical + "_" + NameTag.tag(of: tenant)
    }

    // MARK: Tenant events

    func tenant(_ tenant: Tenant, did event: TenantEvent) {
        guard engines != nil, tenant.name != TenantName.seedViewName else { return }
        switch event {
        case .opened:
            let storages = TenantStorages(name: tenant.name, state: tenant.state)
            tenant.state.files(RostiStoredFiles.self).storages.bind(storages, hosting: self)
            // A state made from the seed replaces whatever an earlier run left under the name.
            if tenant.state.opening != .reused { storages.markFresh() }
            tenants.withLock { $0[tenant.name] = storages }
            // In the background: a new tenant is made in milliseconds, and Rostra listens
            // before its engines are up. Only engines the state has storages of start now.
            for engine in DatabaseEngine.allCases where storages.hasRows(of: engine, logger: logger) {
                reconcile(storages, engine: engine, wait: false)
            }
        case .reset, .imported:
            guard let storages = tenants.withLock({ $0[tenant.name] }) else { return }
            storages.markFresh()
            if event == .imported {
                for engine in DatabaseEngine.allCases { storages.queueDumps(tenant.state.files(RostiStoredFiles.self).storages.takeImportedDumps(of: engine), for: engine) }
            }
            // Waited for: when the admin call answers, the databases are the state's. Both
            // engines at once: each works on its own queue.
            let engines = DatabaseEngine.allCases.filter { isReconciled($0) || storages.hasRows(of: $0, logger: logger) }
            DispatchQueue.concurrentPerform(iterations: engines.count) { reconcile(storages, engine: engines[$0], wait: true) }
        case .deleted:
            _ = tenants.withLock { $0.removeValue(forKey: tenant.name) }
            let name = tenant.name
            for engine in DatabaseEngine.allCases where isReconciled(engine) {
                server(engine)?.submit(wait: true) { [self] session in
                    try prepare(session)
                    for (database, mark) in try session.objects().databases where mark.tenant == name {
                        try session.drop(name: database)
                    }
                }
            }
        case .closing:
            _ = tenants.withLock { $0.removeValue(forKey: tenant.name) }
        }
    }

    /// Waits for the background work of `tenant` (its databases being made after it was),
    /// so that what a storages request answers connects. Not while an engine is down: that
    /// work waits for up, and the API answers from its rows.
    func settle(_ tenant: Tenant) {
        guard let storages = tenants.withLock({ $0[tenant.name] }) else { return }
        engines?.activate()
        storages.waitForBackgroundWork()
    }

    private func isReconciled(_ engine: DatabaseEngine) -> Bool { reconciled.withLock { $0.contains(engine) } }

    private func reconcile(_ storages: TenantStorages, engine: DatabaseEngine, wait: Bool) {
        guard let server = server(engine) else { return }
        if !wait { storages.backgroundWork.enter() }
        let outcome = server.submit(wait: wait) { [self] session in
            defer { if !wait { storages.backgroundWork.leave() } }
            try prepare(session)
            try converge(storages, session: session, objects: nil)
        }
        // Kept for when the engine is up: nobody should wait for it meanwhile.
        if !wait && (outcome == .parked || outcome == .skipped) { storages.backgroundWork.leave() }
    }

    /// An engine's first work in this process: drops the databases of tenants that do not
    /// live (an earlier run's throwaway tenants, a deleted one) and accounts without a
    /// database, then brings every live tenant's databases in line with its rows.
    private func prepare(_ session: EngineSession) throws {
        guard !isReconciled(session.engine) else { return }
        let objects = try session.objects()
        let live = tenants.withLock { $0 }
        for (database, mark) in objects.databases where live[mark.tenant] == nil {
            logger.info("\(session.engine.productName): dropping \(database), left by tenant \(mark.tenant), which no longer exists")
            try session.drop(name: database)
        }
        for account in objects.accounts.subtracting(objects.databases.keys) {
            try session.drop(name: account)
        }
        for storages in live.values {
            try converge(storages, session: session, objects: objects)
        }
        reconciled.withLock { _ = $0.insert(session.engine) }
    }

    /// Makes `session`'s engine hold exactly the tenant's storages of that engine.
    private func converge(_ storages: TenantStorages, session: EngineSession, objects known: EngineObjects?) throws {
        let engine = session.engine
        let fresh = storages.takeFresh(engine)
        let dumps = storages.takeDumps(engine)
        var wanted: [String: StorageRow] = [:]
        for row in try storages.rows(of: engine) {
            let name = Self.engineName(row.name, tenant: storages.name)
            guard StorageMark.isValidName(name) else {
                logger.warning("\(engine.productName): storage \(row.id) of tenant \(storages.name) is called \(row.name), which cannot be a database name: it stays a row")
                continue
            }
            wanted[name] = row
        }
        let objects = try known ?? session.objects()
        var kept = Set<String>()
        for (database, mark) in objects.databases where mark.tenant == storages.name {
            if !fresh, let row = wanted[database], row.id == mark.storage, dumps[row.id] == nil {
                kept.insert(database)
            } else {
                try session.drop(name: database)
            }
        }
        for (name, row) in wanted where !kept.contains(name) {
            let mark = StorageMark(tenant: storages.name, storage: row.id)
            if let dump = dumps[row.id] {
                try session.restore(name: name, dump: dump, password: row.password, mark: mark)
            } else {
                try session.create(name: name, credential: .password(row.password), mark: mark)
            }
        }
    }

    // MARK: The API's storage calls

    /// A storage was created (its row committed): its database is made now, or when the
    /// engine is up again.
    func created(storage id: Int64, named name: String, engine: DatabaseEngine, password: String, tenant: String) {
        let engineName = Self.engineName(name, tenant: tenant)
        guard StorageMark.isValidName(engineName) else { return }
        server(engine)?.submit(wait: true) { [self] session in
            try prepare(session)
            try session.create(name: engineName, credential: .password(password), mark: StorageMark(tenant: tenant, storage: id))
        }
    }

    func passwordChanged(named name: String, engine: DatabaseEngine, password: String, tenant: String) {
        let engineName = Self.engineName(name, tenant: tenant)
        guard StorageMark.isValidName(engineName) else { return }
        server(engine)?.submit(wait: true) { [self] session in
            try prepare(session)
            try session.setPassword(name: engineName, password: password)
        }
    }

    func deleted(named name: String, engine: DatabaseEngine, tenant: String) {
        let engineName = Self.engineName(name, tenant: tenant)
        guard StorageMark.isValidName(engineName) else { return }
        server(engine)?.submit(wait: true) { [self] session in
            try prepare(session)
            try session.drop(name: engineName)
        }
    }

    /// The dump of a storage's database for an export; nil when its engine is not here or
    /// holds no such database. Throws when the engine is down or failed.
    func dump(storage id: Int64, named name: String, engine: DatabaseEngine, tenant: String) throws -> StorageDump? {
        guard let server = server(engine) else { return nil }
        let engineName = Self.engineName(name, tenant: tenant)
        guard StorageMark.isValidName(engineName) else { return nil }
        do {
            return try server.perform { [self] session -> StorageDump? in
                try prepare(session)
                guard try session.objects().databases[engineName] != nil else { return nil }
                return try session.dump(name: engineName)
            }
        } catch {
            throw StateExportError(problem: "storage \(id) (\(engineName)): \(error)")
        }
    }

    // MARK: What storages report

    /// `hostname` and `port` of a storage of `engine`: this Rostra's when the engine runs
    /// here (or is down or failed: the port it had), else the row's (the real platform's).
    func address(of engine: DatabaseEngine, rowHostname: String, rowPort: Int64) -> (hostname: String, port: Int64) {
        guard let server = server(engine), let port = server.port else { return (rowHostname, rowPort) }
        return (hostname, Int64(port))
    }

    /// Whether storages' answers hold live values (engine ports) besides their rows.
    var reportsLiveValues: Bool { engines != nil }
}

/// A storage's row, as the engines need it.
struct StorageRow: Sendable {
    let id: Int64
    let name: String
    let password: String
}

/// One live tenant's storages as the engines see them.
final class TenantStorages: Sendable {
    let name: String
    let state: StateStore
    /// Background work (its databases being made) not finished yet.
    let backgroundWork = DispatchGroup()
    private let pending = AdaptiveMutex<Pending>(Pending())

    private struct Pending {
        /// Engines whose databases of this tenant are to be replaced as a whole.
        var fresh: Set<DatabaseEngine> = []
        var dumps: [DatabaseEngine: [Int64: StorageDump]] = [:]
    }

    init(name: String, state: StateStore) {
        self.name = name
        self.state = state
    }

    func markFresh() { pending.withLock { $0.fresh = Set(DatabaseEngine.allCases) } }

    func takeFresh(_ engine: DatabaseEngine) -> Bool { pending.withLock { $0.fresh.remove(engine) != nil } }

    func queueDumps(_ dumps: [Int64: StorageDump], for engine: DatabaseEngine) {
        pending.withLock { $0.dumps[engine] = dumps }
    }

    func takeDumps(_ engine: DatabaseEngine) -> [Int64: StorageDump] { pending.withLock { $0.dumps.removeValue(forKey: engine) ?? [:] } }

    func rows(of engine: DatabaseEngine) throws -> [StorageRow] {
        try state.database.read { conn in
            try conn.fetchAll("SELECT id, name, password FROM rosti_storages WHERE engine = ? ORDER BY id", [engine.rawValue]).map {
                StorageRow(id: try $0["id"], name: try $0["name"], password: try $0["password"])
            }
        }
    }

    func hasRows(of engine: DatabaseEngine, logger: Logger) -> Bool {
        do {
            return try state.database.read { try $0.fetchValue(Int64.self, "SELECT 1 FROM rosti_storages WHERE engine = ? LIMIT 1", [engine.rawValue]) } != nil
        } catch {
            logger.error("reading the storages of tenant \(name): \(error)")
            return false
        }
    }

    func waitForBackgroundWork() { backgroundWork.wait() }
}
