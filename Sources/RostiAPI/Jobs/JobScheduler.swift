import Dispatch
import Emulator
import EmulatorState
import Logging
import Primitives
import Synchronization

/// Moves one tenant's jobs on without anyone asking: a timer set for the next job's moment
/// on the tenant's clock, re-set whenever jobs or the clock change; and runs their real
/// work (`JobWork`), which moves them on again when it ends.
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
    /// The real work of the tenant's running jobs.
    let work: JobWork

    /// A margin after a job's moment, so the timer never fires a hair early on the clock.
    private static let timerSlackSeconds = 0.005

    init(tenant: Tenant, logger: Logger) {
        state = tenant.state
        clock = tenant.clock
        tenantName = tenant.name
        self.logger = logger
        queue = DispatchQueue(label: "rostra.rosti.jobs.\(tenant.name)")
        work = JobWork(state: tenant.state, clock: tenant.clock, tenantName: tenant.name, logger: logger)
        work.ended.withLock { $0 = { [weak self] in self?.clockChanged() } }
    }

    /// The tenant's scheduler, made and started on first use. Starting it moves on the
    /// jobs that fell due while nothing was running (e.g. while the server was down).
    static func of(_ tenant: Tenant, logger: Logger) -> JobScheduler {
        let scheduler = tenant.attachment(SchedulerKey.self) { JobScheduler(tenant: tenant, logger: logger) }
        scheduler.start()
        return scheduler
    }

    /// The tenant's state was replaced or is going away: work under way is for rows that
    /// are gone, so it is stopped (what it wrote goes); archives without rows go (all of
    /// them for a deleted tenant), and a new state's running jobs start their work. (A reset
    /// drops the tenant's attachments, the old scheduler with them, before it says so: the
    /// old work finds its job gone — `JobWork` checks the job's id and creation before it
    /// puts anything in place — and keeps nothing.)
    static func follow(_ tenant: Tenant, did event: TenantEvent, logger: Logger) {
        let scheduler = tenant.attachment(SchedulerKey.self) { JobScheduler(tenant: tenant, logger: logger) }
        switch event {
        case .opened:
            return
        case .reset, .imported:
            scheduler.work.cancelAll(waitingUpTo: RostiLimits.jobWorkCancelWaitSeconds)
            scheduler.work.removeOrphanArchives()
            if scheduler.started.load(ordering: .acquiring) { scheduler.jobsChanged() }
        case .deleted:
            // Its archives' bytes go now, not whenever the last reference to its state does.
            scheduler.work.cancelAll(waitingUpTo: RostiLimits.jobWorkCancelWaitSeconds)
            tenant.state.snapshotStore.removeStorage()
        case .closing:
            scheduler.work.cancelAll(waitingUpTo: RostiLimits.jobWorkCancelWaitSeconds)
        }
    }

    private enum SchedulerKey: TenantAttachmentKey {
        typealias Value = JobScheduler
    }

    private func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        // A clock moved by the admin API finishes due jobs before that call answers.
        clock.addObserver { [weak self] in self?.clockChanged() }
        // New apps whose files were staged when Rostra stopped get them now; archives a
        // crash left without their rows go.
        work.landNewApps()
        work.removeOrphanArchives()
        clockChanged()
    }

    /// Moves on every job due by now, in one write transaction, and starts the work of
    /// jobs that started running. When a job is due by its configured time and only its
    /// work is left, waits a little for the work (`RostiLimits.jobWorkInlineWaitSeconds`)
    /// and moves jobs on again, so that short work is answered done. Then re-arms the timer.
    func advanceDueJobs(waitingUpTo wait: Double = RostiLimits.jobWorkInlineWaitSeconds) throws {
        var moved = try state.database.write { conn in try JobEngine.advance(conn, now: clock.now()) }
        let due = work.startDueWork()
        if !due.isEmpty {
            work.wait(for: due, upTo: wait)
            moved += try state.database.write { conn in try JobEngine.advance(conn, now: clock.now()) }
        }
        // A job that finished may have made an app (a restore into a new one): its files
        // first, then its container.
        if moved > 0 {
            work.landNewApps()
            AppContainers.catchUp(state)
        }
        rearm()
    }

    /// Call after creating or moving jobs in a transaction of one's own: their work starts,
    /// and the next moment may be sooner than the armed one.
    func jobsChanged() {
        do {
            try advanceDueJobs()
            // Jobs the caller moved may have made apps.
            work.landNewApps()
            AppContainers.catchUp(state)
        } catch {
            logger.error("rosti jobs of tenant \(tenantName): \(error)")
        }
    }

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
