import Dispatch
import Emulator
import EmulatorState
import Foundation
import Logging
import Primitives
import Processes
import RostiHosting
import Store
import Synchronization

/// The real work behind one tenant's running jobs: a snapshot archives the app's `/srv`
/// into the state's snapshot store, a restore replaces an app's `/srv` with a snapshot's
/// files, a new app's files are unpacked into a staging folder until the app exists.
///
/// A job's work starts when it starts running and goes on, on a thread of its own, beside
/// the job's configured running time; the job is done at the later of the two
/// (`JobEngine`: a running job is due only once its work has ended, at
/// `MAX(running_until, work end)`). The work writes its share done into the job's
/// `progress` as it goes, and its end (`params.work`) when it ends: what the engine needs to
/// finish the job. A work that fails ends the job as failed at once, leaving no archive
/// behind and the app's files as they were.
///
/// Nothing of the work is kept in memory only: a job whose work was under way when Rostra
/// stopped has no work end, and its work starts again from the beginning when the
/// scheduler next starts.
final class JobWork: Sendable {
    private let state: StateStore
    private let clock: EmulatorClock
    private let tenantName: String
    private let logger: Logger
    /// Called (on the work's thread) when a work ended: the scheduler moves jobs on. Set by
    /// the scheduler once it exists (it owns this).
    let ended = AdaptiveMutex<(@Sendable () -> Void)?>(nil)
    private let flights = AdaptiveMutex<[Int64: Flight]>([:])
    /// Jobs whose work this process did: a look at the rows taken just before a work
    /// recorded its end must not start it again. (A few bytes a job.)
    private let finished = AdaptiveMutex<Set<Int64>>([])
    /// Held while staged files go to their new apps (`landNewApps`).
    private let landing = Lock()
    private let ownWatcher = AdaptiveMutex<ProcessWatcher?>(nil)
    /// The admin API's armed snapshot faults, by app (`SnapshotFault`).
    let faults = AdaptiveMutex<[Int64: SnapshotFault]>([:])

    /// One job's work under way.
    final class Flight: Sendable {
        let job: Int64
        let cancelled = Atomic<Bool>(false)
        let done = DispatchGroup()
        /// The last progress written to the job's row, in percent, and when.
        let written = Atomic<Int>(0)
        let writtenAt = AdaptiveMutex<ContinuousClock.Instant>(.now)

        init(job: Int64) {
            self.job = job
            done.enter()
        }
    }

    init(state: StateStore, clock: EmulatorClock, tenantName: String, logger: Logger) {
        self.state = state
        self.clock = clock
        self.tenantName = tenantName
        self.logger = logger
    }

    deinit {
        ownWatcher.withLock { $0?.shutdown(grace: .zero) }
    }

    private func watcher() throws -> ProcessWatcher {
        try ownWatcher.withLock { watcher in
            if let watcher { return watcher }
            let made = try ProcessWatcher()
            watcher = made
            return made
        }
    }

    // MARK: Starting and waiting

    /// A running job whose work has not ended, as the work needs it.
    struct Item: Sendable {
        let id: Int64
        let kind: JobKind
        let app: Int64?
        let snapshot: Int64?
        /// With the id, what tells this job from one of a state that replaced it (a reset
        /// drops the scheduler without a word, and the new state's ids start over).
        let created: Double
        let started: Double
        let runningUntil: Double
    }

    /// Starts the work of every running job whose work has not ended and is not under way
    /// (jobs that just started running; after a restart, jobs whose work was cut short).
    /// Returns the works it started and those under way whose job's configured time has
    /// passed: the ones a caller may wait for (`wait(for:upTo:)`), so that a job whose work
    /// is short is seen with its work done — a clock moved by a test finds the job where
    /// its configured times put it.
    @discardableResult
    func startDueWork() -> [Flight] {
        let items: [Item]
        do {
            items = try state.database.read { conn in
                try conn.fetchAll(
                    """
                    SELECT id, kind, app_id, snapshot_id, created, COALESCE(started, pending_until, created) AS started,
                           COALESCE(running_until, pending_until, created) AS running_until
                    FROM rosti_jobs WHERE status = 'running' AND \(JobEngine.workEnd) IS NULL ORDER BY id
                    """
                ).map { row in
                    Item(id: try row["id"], kind: JobKind(rawValue: try row["kind"]) ?? .snapshot,
                         app: try row["app_id"], snapshot: try row["snapshot_id"], created: try row["created"], started: try row["started"],
                         runningUntil: try row["running_until"])
                }
            }
        } catch {
            logger.error("rosti jobs of tenant \(tenantName): \(error)")
            return []
        }
        let now = clock.now()
        var due: [Flight] = []
        for item in items {
            if finished.withLock({ $0.contains(item.id) }) { continue }
            let (flight, isNew) = flights.withLock { flights -> (Flight, Bool) in
                if let flight = flights[item.id] { return (flight, false) }
                let flight = Flight(job: item.id)
                flights[item.id] = flight
                return (flight, true)
            }
            if isNew {
                let thread = Thread { [self] in perform(item, flight) }
                thread.name = "rostra-job-\(item.id)"
                thread.start()
            }
            if isNew || item.runningUntil <= now { due.append(flight) }
        }
        return due
    }

    /// Waits until the given works end or `seconds` pass, whichever comes first: a job due
    /// by its configured time whose work is short is answered done, not running.
    func wait(for flights: [Flight], upTo seconds: Double) {
        let deadline = DispatchTime.now() + seconds
        for flight in flights { _ = flight.done.wait(timeout: deadline) }
    }

    /// Stops the work of a job that ended without it (failed through the admin API): what
    /// it wrote goes.
    func cancel(job: Int64) {
        flights.withLock { $0[job] }?.cancelled.store(true, ordering: .releasing)
    }

    /// Waits for every work under way to end (a tenant's state replaced or going away),
    /// cancelling them first. The new state's jobs may reuse the ids of the old one's.
    func cancelAll(waitingUpTo seconds: Double) {
        let all = flights.withLock { Array($0.values) }
        for flight in all { flight.cancelled.store(true, ordering: .releasing) }
        wait(for: all, upTo: seconds)
        finished.withLock { $0.removeAll() }
    }

    // MARK: The work

    private struct Cancelled: Error {}

    /// What a work came to.
    private enum Ending {
        case ended(bytes: Int64)
        case failed(JobOutcome, progress: Int)
        case cancelled
    }

    private func perform(_ item: Item, _ flight: Flight) {
        let began = ContinuousClock.now
        let ending: Ending
        do {
            switch item.kind {
            case .snapshot: ending = try takeSnapshot(item, flight)
            case .restore: ending = try restoreIntoApp(item, flight)
            case .newApp: ending = try stageNewApp(item, flight)
            }
        } catch is Cancelled {
            ending = .cancelled
        } catch {
            ending = .failed(.workFailed(problem: "\(error)"), progress: flight.written.load(ordering: .acquiring))
        }
        record(ending, of: item, took: began.duration(to: .now))
        finished.withLock { _ = $0.insert(item.id) }
        flights.withLock { _ = $0.removeValue(forKey: item.id) }
        flight.done.leave()
        if case .cancelled = ending { return }
        ended.withLock { $0 }?()
    }

    /// The work's end in the job's row, if the job is still running (a job failed through
    /// the admin API meanwhile is left as it is). On the clock, the work ends the real time
    /// it took after the job started, and never after now: a work begun late (its Rostra
    /// was down when the job started) does not make its job late, and a frozen clock's job
    /// is not held up by its work.
    private func record(_ ending: Ending, of item: Item, took: Duration) {
        let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        let now = min(clock.now(), item.started + seconds)
        do {
            // The end is kept as text of 17 digits (`JobEngine.workEnd` reads it back): as a
            // JSON number SQLite writes 15, and a frozen clock's end rounded up by
            // microseconds was never reached (a job completed through the admin API stayed
            // running).
            try state.database.write { conn in
                guard try Self.isRunning(item, conn) else { return }
                switch ending {
                case .ended(let bytes):
                    try conn.execute(
                        """
                        UPDATE rosti_jobs SET params = json_set(params, '$.work', json_object('end', printf('%!.17g', ?), 'bytes', ?))
                        WHERE id = ?
                        """, [now, bytes, item.id])
                case .failed(let outcome, let progress):
                    try JobEngine.failWork(conn, job: item.id, outcome: outcome, progress: progress, now: now)
                case .cancelled:
                    break
                }
            }
        } catch {
            logger.error("rosti job \(item.id) of tenant \(tenantName): \(error)")
        }
        if case .failed(let outcome, _) = ending {
            logger.notice("rosti job \(item.id) of tenant \(tenantName) failed: \(outcome.message.text(.en))")
        }
    }

    /// Writes the share done into the job's row when it moved on, at most once every
    /// `RostiLimits.jobWorkProgressIntervalSeconds`: each write is a commit, and commits
    /// waiting behind the disk the work keeps busy cost more than the work (a 100 MB
    /// restore went from about 190 to about 300 MB/s, median of 9, when writes every 5 %
    /// stopped).
    private func report(_ share: Double, _ flight: Flight) {
        let percent = min(RostiLimits.runningJobProgressCeiling, Int((share * 100).rounded(.down)))
        guard percent > flight.written.load(ordering: .relaxed) else { return }
        let due = flight.writtenAt.withLock { last in
            guard last.duration(to: .now) >= .seconds(RostiLimits.jobWorkProgressIntervalSeconds) else { return false }
            last = .now
            return true
        }
        guard due else { return }
        flight.written.store(percent, ordering: .releasing)
        try? state.database.write { conn in
            try conn.execute("UPDATE rosti_jobs SET progress = ? WHERE id = ? AND status = 'running'", [percent, flight.job])
        }
    }

    private func archiver() throws -> SnapshotArchiver { SnapshotArchiver(watcher: try watcher()) }

    /// Whether the job is still running in the state: not ended meanwhile (failed through the
    /// admin API), nor gone with a state that was reset or replaced.
    private static func isRunning(_ item: Item, _ conn: Connection) throws -> Bool {
        try conn.fetchValue(Int64.self, "SELECT 1 FROM rosti_jobs WHERE id = ? AND created = ? AND status = 'running'", [item.id, item.created]) != nil
    }

    /// Throws `Cancelled` when the job's work is no longer wanted: the job was ended without
    /// it, or its state was replaced.
    private func requireWanted(_ item: Item, _ flight: Flight) throws {
        guard !flight.cancelled.load(ordering: .acquiring), try state.database.read({ try Self.isRunning(item, $0) }) else {
            throw Cancelled()
        }
    }

    /// Archives the app's `/srv` into the store, under the snapshot's id. An app with no
    /// folder (its container never started, or this machine runs none) has an empty `/srv`,
    /// as a new app on the platform has: its archive is an empty one.
    private func takeSnapshot(_ item: Item, _ flight: Flight) throws -> Ending {
        guard let app = item.app, let snapshot = item.snapshot else { return .failed(.snapshotDeleted, progress: 0) }
        let store = state.snapshotStore
        let fault = faults.withLock { $0.removeValue(forKey: app) }
        var emptyFolder: String?
        defer { if let emptyFolder { try? FileManager.default.removeItem(atPath: emptyFolder) } }
        let folder: String
        if let srv = state.appSpace.serviceFolder(of: app) {
            folder = srv
        } else {
            let empty = try store.scratchFolder()
            emptyFolder = empty
            folder = empty
        }
        let incoming = try store.incomingFile(for: snapshot)
        let stopAt = fault.map { Double($0.failAtPercent) / 100 }
        let archive: SnapshotArchiver.Archive
        do {
            archive = try archiver().archive(
                folder, to: incoming, progress: { [self] share in report(share, flight) },
                stop: { share in flight.cancelled.load(ordering: .acquiring) || stopAt.map { share >= $0 } ?? false })
        } catch let error as SnapshotError where error.stopped {
            if flight.cancelled.load(ordering: .acquiring) { throw Cancelled() }
            return .failed(.snapshotFailedPartWay(percent: fault?.failAtPercent ?? 0), progress: fault?.failAtPercent ?? 0)
        }
        do {
            try requireWanted(item, flight)
        } catch {
            unlink(incoming)
            throw error
        }
        try store.commit(incoming, as: snapshot)
        // A snapshot deleted while it was being taken keeps no bytes.
        if try state.database.read({ try $0.fetchValue(Int64.self, "SELECT 1 FROM rosti_snapshots WHERE id = ?", [snapshot]) }) == nil {
            store.remove(snapshot)
        }
        return .ended(bytes: archive.bytes)
    }

    /// Unpacks the snapshot beside the app's `/srv`, then stops the app's container, swaps
    /// the folders and starts it again: a restore that fails leaves `/srv` as it was.
    private func restoreIntoApp(_ item: Item, _ flight: Flight) throws -> Ending {
        guard let app = item.app, let snapshot = item.snapshot else { return .failed(.restoreAppDeleted, progress: 0) }
        guard let archive = state.snapshotStore.archive(of: snapshot) else {
            return .failed(.snapshotHasNoFiles(snapshot: snapshot), progress: 0)
        }
        let space = state.appSpace
        let folder = try space.serviceFolderPath(of: app)
        let prepared = try archiver().extract(
            archive, besideFolder: folder, progress: { [self] share in report(share, flight) },
            stop: { _ in flight.cancelled.load(ordering: .acquiring) })
        do {
            try requireWanted(item, flight)
        } catch {
            prepared.discard()
            throw error
        }
        let container = space.container(app)
        container?.stop()
        try prepared.swap()
        if let container, container.settings.enabled { container.startInBackground() }
        return .ended(bytes: state.snapshotStore.size(of: snapshot) ?? 0)
    }

    /// Unpacks the snapshot into a staging folder of the store; the new app's folder takes
    /// it once the job made the app (`landNewApps`).
    private func stageNewApp(_ item: Item, _ flight: Flight) throws -> Ending {
        guard let snapshot = item.snapshot else { return .failed(.restoreSnapshotDeleted, progress: 0) }
        let store = state.snapshotStore
        guard let archive = store.archive(of: snapshot) else {
            return .failed(.snapshotHasNoFiles(snapshot: snapshot), progress: 0)
        }
        let staging = try store.stagingFolder(forJob: item.id)
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let prepared = try archiver().extract(
            archive, besideFolder: staging + "/srv", progress: { [self] share in report(share, flight) },
            stop: { _ in flight.cancelled.load(ordering: .acquiring) })
        do {
            try requireWanted(item, flight)
        } catch {
            prepared.discard()
            store.discardStaged(job: item.id)
            throw error
        }
        try prepared.swap()
        return .ended(bytes: store.size(of: snapshot) ?? 0)
    }

    /// Archives whose snapshot rows are gone (a work that ended after its tenant's state
    /// was reset or replaced, a crash between a row's delete and its file's) go.
    func removeOrphanArchives() {
        do {
            let rows = try state.database.read { conn in
                Set(try conn.fetchAll("SELECT id FROM rosti_snapshots").map { try $0["id"] as Int64 })
            }
            state.snapshotStore.removeAll(except: rows)
        } catch {
            logger.error("rosti snapshots of tenant \(tenantName): \(error)")
        }
    }

    // MARK: After jobs finished

    /// The staged files of new apps go to the apps' folders once their jobs made them;
    /// those of jobs that failed (or are gone) are removed. Before the apps' containers
    /// catch up, so that a new app starts on its files.
    func landNewApps() {
        let store = state.snapshotStore
        guard !store.stagedJobs().isEmpty else { return }
        // One at a time: the scheduler's thread and a request's may both land the same app,
        // and the second must find the files moved, not move them away again.
        landing.withLock {
            for job in store.stagedJobs() { land(job, store) }
        }
    }

    private func land(_ job: Int64, _ store: SnapshotStore) {
        do {
            let row = try state.database.read { conn in
                try conn.fetchOne("SELECT status, app_id FROM rosti_jobs WHERE id = ?", [job])
            }
            let status = try row.map { JobEngine.Status(rawValue: try $0["status"] as String) } ?? nil
            if status == .running || status == .pending { return }
            guard status == .done, let row, let app = try row["app_id"] as Int64?, let folder = store.stagedFolder(ofJob: job) else {
                store.discardStaged(job: job)
                return
            }
            let target = try state.appSpace.serviceFolderPath(of: app)
            if FileManager.default.fileExists(atPath: folder + "/srv") {
                // A folder the app's container made meanwhile (empty) gives way to the files.
                try? FileManager.default.removeItem(atPath: target)
                guard rename(folder + "/srv", target) == 0 else {
                    throw SnapshotError(problem: "cannot move the files of job \(job) to \(target): \(String(cString: strerror(errno)))")
                }
            }
            store.discardStaged(job: job)
        } catch {
            logger.error("rosti job \(job) of tenant \(tenantName): \(error)")
        }
    }
}

/// A snapshot job made to fail part-way through the admin API
/// (`POST /__admin/apps/{id}/snapshot-fault`): the app's next snapshot job stops its archive
/// when it reaches `failAtPercent` of the app's bytes, and fails. Kept in memory, like the
/// SSH faults: a restart forgets it.
struct SnapshotFault: Sendable, Equatable {
    let failAtPercent: Int
}

extension StateStore {
    /// The snapshots' archives of this state.
    var snapshotStore: SnapshotStore { files(RostiStoredFiles.self).snapshots.store }
}
