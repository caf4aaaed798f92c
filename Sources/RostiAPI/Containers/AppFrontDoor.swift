import Dispatch
import Emulator
import EmulatorState
import Foundation
import Logging
import Primitives
import RostiHosting
import Store
import Synchronization

/// The front door (`RostiHosting.FrontDoor`, nginx on `--front-door-port`) following the
/// apps of every open tenant: each app answers for its `domains` and for
/// `<name>-<id>.localhost` (another tenant's for `<name>-<id>.<tenant>.localhost`), proxied
/// to its container's published 8000 while it runs, the stopped page while it does not, or
/// the status a fault set (502, 504). Rewritten whenever a container starts or ends, or the
/// API changes an app.
public final class AppFrontDoor: Sendable {
    public let door: FrontDoor
    private let logger: Logger
    /// The open tenants' states, by tenant name.
    private let states = AdaptiveMutex<[String: StateStore]>([:])
    /// Fault statuses by "<tenant>/<app>".
    private let faults = AdaptiveMutex<[String: Int]>([:])
    /// One change applied at a time, in order.
    private let queue = DispatchQueue(label: "rostra.front-door")
    /// Changes asked for, and the number asked for when the last applied configuration read
    /// the routes: a burst of changes (a rebuild's stop, start and answer; many requests at
    /// once) is applied once, since every application reads all routes afresh, and an
    /// application costs every app.
    private let changes = AdaptiveMutex<(asked: Int, applied: Int)>((0, 0))
    /// Set at shutdown: a change queued before it must not start nginx again.
    private let stopped = Atomic<Bool>(false)

    /// The statuses the admin API may make the front door answer for an app.
    public static let faultStatuses: Set<Int> = [502, 503, 504]

    public init(door: FrontDoor, logger: Logger) {
        self.door = door
        self.logger = logger
    }

    public var address: FrontDoorAddress { FrontDoorAddress(host: door.host, port: door.port) }

    func follow(_ tenant: Tenant, did event: TenantEvent) {
        switch event {
        case .opened, .reset, .imported: states.withLock { $0[tenant.name] = tenant.state }
        case .deleted, .closing: states.withLock { _ = $0.removeValue(forKey: tenant.name) }
        }
        changed(wait: false)
    }

    /// Something that routes changed: the front door is rewritten (and, with `wait`, this
    /// returns once nginx serves the new routes).
    func changed(wait: Bool) {
        changes.withLock { $0.asked += 1 }
        queue.async { self.applyIfAsked() }
        // The application queued above, or one that read the routes after this change.
        if wait { queue.sync {} }
    }

    private func applyIfAsked() {
        let asked = changes.withLock { changes -> Int? in changes.asked > changes.applied ? changes.asked : nil }
        guard let asked else { return }
        apply()
        changes.withLock { $0.applied = max($0.applied, asked) }
    }

    func setFault(tenant: String, app: Int64, status: Int?) {
        faults.withLock { $0["\(tenant)/\(app)"] = status }
        changed(wait: true)
    }

    func fault(tenant: String, app: Int64) -> Int? { faults.withLock { $0["\(tenant)/\(app)"] } }

    /// Stops nginx for good (at shutdown), after any change under way.
    func stop() {
        queue.sync {
            stopped.store(true, ordering: .sequentiallyConsistent)
            door.stop()
        }
    }

    private func apply() {
        guard !stopped.load(ordering: .sequentiallyConsistent) else { return }
        do {
            try door.apply(routes())
        } catch {
            logger.error("front door: \(error)")
        }
    }

    /// Every open tenant's apps, the default tenant's first (a name two tenants share
    /// reaches the first).
    func routes() -> [FrontDoorRoute] {
        let tenants = states.withLock { $0 }.sorted { left, right in
            (left.key == TenantName.defaultName ? "" : left.key) < (right.key == TenantName.defaultName ? "" : right.key)
        }
        var taken: Set<String> = []
        var routes: [FrontDoorRoute] = []
        for (tenant, state) in tenants {
            let rows = (try? state.database.read { conn in
                try conn.fetchAll("SELECT id, name, domains FROM rosti_apps ORDER BY id").map { row in
                    (id: try row["id"] as Int64, name: try row["name"] as String, domains: AppStore.storedList(try row["domains"]).stringItems)
                }
            }) ?? []
            let space = state.appSpace
            for row in rows {
                let local = Apps.localName(name: row.name, id: row.id, tenant: tenant == TenantName.defaultName ? nil : tenant)
                let names = ([local] + row.domains.map { $0.lowercased() }).filter { FrontDoor.isServerName($0) && !taken.contains($0) }
                guard !names.isEmpty else { continue }
                taken.formUnion(names)
                let target: FrontDoorRoute.Target
                if let status = fault(tenant: tenant, app: row.id) {
                    target = .fault(status: status)
                } else if let port = space.container(row.id)?.frontPort {
                    target = .app(port: port)
                } else {
                    target = .stopped
                }
                routes.append(FrontDoorRoute(hostNames: names, appName: row.name, target: target))
            }
        }
        return routes
    }
}
