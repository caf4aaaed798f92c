import Dispatch
import Emulator
import EmulatorState
import Logging
import Primitives
import Synchronization

/// Moves one tenant's jobs on without anyone asking: a timer set for the next job's moment
/// on the tenant's clock, re-set whenever jobs or the clock change.
///
/// Requests do not depend on it — every company-scoped request first moves on whatever fell
/// due — but with it jobs finish (and their effects land) on time even while nobody calls,
/// which the admin API, exports and a restarted server see.
final class JobScheduler: Sendable {
    // The tenant's parts rather than the tenant: the tenant keeps its scheduler, and the
    // scheduler must not keep the tenant alive in return.
    private let state: StateStore
    private let clock: EmulatorClock
    private let tenantName: String
    private let logger: Logger
    private let queue: DispatchQueue
    /// The armed timer; replaced (and the old one cancelled) on every re-arm.
    private let timer = AdaptiveMutex<ArmedTimer?>(nil)

    /// `@unchecked Sendable`: libdispatch synchronises a work item's `cancel` and its run
    /// internally; the type is only not annotated. It is also only touched under `timer`.
    private struct ArmedTimer: @unchecked Sendable {
        let item: DispatchWorkItem
    }
    private let started = Atomic<Bool>(false)

    /// A margin after a job's moment, so the timer never fires a hair early on the clock.
    private static let timerSlackSeconds = 0.005

    init(tenant: Tenant, logger: Logger) {
        state = tenant.state
        clock = tenant.clock
        tenantName = tenant.name
        self.logger = logger
        queue = DispatchQueue(label: "rostra.rosti.jobs.\(tenant.name)")
    }

    /// The tenant's scheduler, made and started on first use. Starting it moves on the
    /// jobs that fell due while nothing was running (e.g. while the server was down).
    static func of(_ tenant: Tenant, logger: Logger) -> JobScheduler {
        let scheduler = tenant.attachment(SchedulerKey.self) { JobScheduler(tenant: tenant, logger: logger) }
        scheduler.start()
        return scheduler
    }

    private enum SchedulerKey: TenantAttachmentKey {
        typealias Value = JobScheduler
    }

    private func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        // A clock moved by the admin API finishes due jobs before that call answers.
        clock.addObserver { [weak self] in self?.clockChanged() }
        clockChanged()
    }

    /// Moves on every job due by now, in one write transaction, then re-arms the timer.
    func advanceDueJobs() throws {
        let now = clock.now()
        let moved = try state.database.write { conn in try JobEngine.advance(conn, now: now) }
        // A job that finished may have made an app (a restore into a new one).
        if moved > 0 { AppContainers.catchUp(state) }
        rearm()
    }

    /// Call after creating jobs: the next moment may be sooner than the armed one.
    func jobsChanged() { rearm() }

    private func clockChanged() {
        do {
            try advanceDueJobs()
        } catch {
            logger.error("rosti jobs of tenant \(tenantName): \(error)")
        }
    }

    private func rearm() {
        let next: Double?
        do {
            next = try state.database.read { try JobEngine.nextDueMoment($0) }
        } catch {
            logger.error("rosti jobs of tenant \(tenantName): \(error)")
            return
        }
        timer.withLock { armed in
            armed?.item.cancel()
            armed = nil
            // A frozen clock only moves when told to, and then the observer runs.
            guard let next, clock.reading.mode != .frozen else { return }
            let delay = max(0, next - clock.now()) + Self.timerSlackSeconds
            let item = DispatchWorkItem { [weak self] in self?.clockChanged() }
            armed = ArmedTimer(item: item)
            queue.asyncAfter(deadline: .now() + delay, execute: item)
        }
    }
}
