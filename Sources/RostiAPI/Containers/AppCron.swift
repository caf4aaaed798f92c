import Dispatch
import Emulator
import EmulatorState
import Foundation
import Logging
import Primitives
import RostiHosting
import Synchronization

/// Cron for one tenant's app containers, on the tenant's clock: at every minute the clock
/// reaches, each running container's installed crontab (`crontab` in the container puts it
/// in the spool) is read and its due entries run inside (`AppContainer.runCronJobs`), in
/// the containers' time zone. A clock moved by the admin API runs what Vixie cron would
/// after such a jump (`CronCatchUp`), before the admin call answers; a frozen clock runs
/// nothing until it is moved. As on the platform, where cron is one of the container's
/// daemons, a stopped app runs no job.
///
/// Debian's `cron` is not run inside: it must be root in the container to run jobs as `app`
/// and reads the system clock, where the emulator's is the one tests control.
final class AppCron: Sendable {
    // The tenant's parts rather than the tenant: the tenant keeps its cron, and the cron
    // must not keep the tenant alive in return.
    private let space: AppSpace
    private let clock: EmulatorClock
    private let tenantName: String
    private let logger: Logger
    private let queue: DispatchQueue
    private let progress: AdaptiveMutex<CronCatchUp?> = AdaptiveMutex(nil)
    private let timer = AdaptiveMutex<ArmedTimer?>(nil)
    private let stopped = Atomic<Bool>(false)

    /// `@unchecked Sendable`: libdispatch synchronises a work item's `cancel` and its run
    /// internally; the type is only not annotated. It is also only touched under `timer`.
    private struct ArmedTimer: @unchecked Sendable {
        let item: DispatchWorkItem
    }

    /// A margin after the minute's start, so the timer never fires a hair early on the clock.
    private static let timerSlackSeconds = 0.01

    private init(tenant: Tenant, logger: Logger) {
        space = tenant.state.appSpace
        clock = tenant.clock
        tenantName = tenant.name
        self.logger = logger
        queue = DispatchQueue(label: "rostra.rosti.cron.\(tenant.name)")
    }

    private enum CronKey: TenantAttachmentKey {
        typealias Value = AppCron
    }

    /// The tenant's cron follows its state: it starts when the state opens for use (again
    /// after a reset or an import, which drop the old one with the tenant's attachments and
    /// clock observers), and stops when the state goes.
    static func follow(_ tenant: Tenant, did event: TenantEvent, logger: Logger) {
        let cron = tenant.attachment(CronKey.self) { AppCron(tenant: tenant, logger: logger) }
        switch event {
        case .opened, .reset, .imported: cron.start()
        case .deleted, .closing: cron.stop()
        }
    }

    private func start() {
        let began = queue.sync { () -> Bool in
            guard progress.withLock({ $0 == nil }), !stopped.load(ordering: .acquiring) else { return false }
            progress.withLock { $0 = CronCatchUp(startingAt: Self.minute(of: clock.now())) }
            return true
        }
        guard began else { return }
        // A clock moved by the admin API starts the jobs it made due before that call answers.
        clock.addObserver { [weak self] in self?.queue.sync { self?.tick() } }
        queue.async { self.rearm() }
    }

    private func stop() {
        stopped.store(true, ordering: .releasing)
        timer.withLock { armed in
            armed?.item.cancel()
            armed = nil
        }
    }

    static func minute(of seconds: Double) -> Int64 { Int64((seconds / 60).rounded(.down)) }

    /// On the queue: the jobs of the minutes the clock has reached, then the next timer.
    private func tick() {
        guard !stopped.load(ordering: .acquiring) else { return }
        let runs = progress.withLock { progress -> [CronCatchUp.Run] in
            progress?.reach(Self.minute(of: clock.now())) ?? []
        }
        if !runs.isEmpty { run(runs) }
        rearm()
    }

    private func run(_ runs: [CronCatchUp.Run]) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: AppContainer.timeZone) ?? TimeZone(secondsFromGMT: 3600)!
        let moments = runs.map { run in
            (run, calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: Date(timeIntervalSince1970: Double(run.minute) * 60)))
        }
        for app in space.appIDs.sorted() {
            guard let container = space.container(app), container.isRunning, let table = container.installedCrontab() else { continue }
            var due: [CronTable.Entry] = []
            for (run, moment) in moments {
                for entry in table.entries {
                    guard let schedule = entry.schedule, schedule.isWildcard ? run.wildcard : run.fixedTime else { continue }
                    // Foundation counts weekdays from 1 (Sunday); cron from 0.
                    if schedule.matches(
                        minute: moment.minute ?? -1, hour: moment.hour ?? -1, day: moment.day ?? -1, month: moment.month ?? -1,
                        weekday: (moment.weekday ?? 0) - 1)
                    {
                        due.append(entry)
                    }
                }
            }
            container.runCronJobs(due)
        }
    }

    /// The timer for the next minute on the clock; none while it is frozen (it moves only
    /// when told to, and then the observer ticks).
    private func rearm() {
        timer.withLock { armed in
            armed?.item.cancel()
            armed = nil
            guard !stopped.load(ordering: .acquiring), clock.reading.mode != .frozen else { return }
            let now = clock.now()
            let delay = Double(Self.minute(of: now) + 1) * 60 - now + Self.timerSlackSeconds
            let item = DispatchWorkItem { [weak self] in self?.tick() }
            armed = ArmedTimer(item: item)
            queue.asyncAfter(deadline: .now() + delay, execute: item)
        }
    }
}
