import Emulator
import JSON
import Store

/// The life of an asynchronous job, as rows of `rosti_jobs`.
///
/// A job is created `pending` with two moments on the tenant's clock: `pending_until`
/// (created + the kind's pending duration) and `running_until` (+ the running duration).
/// Whenever the clock has passed them, `advance` moves the job on: to `running` (its
/// `started` is `pending_until`), then to `done` or `failed`. A running job also has real
/// work to do (`JobWork`: archiving, unpacking), which records its end on the clock in
/// `params.work.end`; the job is done at the later of `running_until` and that end, and
/// not before the end is known. Because the moments are stored, the outcome does not
/// depend on when the emulator looks — a job due while the server was down finishes, at
/// its own time, as soon as it is looked at again — and its effect in the rows (a ready
/// snapshot, a new app) is applied only at `done`.
enum JobEngine {
    enum Status: String, CaseIterable {
        case pending, running, done, failed
    }

    /// When a `pending` job starts and a `running` one ends; rows from a seed or an import
    /// may leave the moments out, and then they count from the job's creation.
    private static let dueMoment = """
        CASE status WHEN 'pending' THEN COALESCE(pending_until, created)
                    ELSE \(finishMoment) END
        """

    /// When the work of a running job ended (`JobWork`), on the clock; NULL while it has not.
    static let workEnd = "CAST(json_extract(params, '$.work.end') AS REAL)"

    /// When a running job is done: the later of its configured end and its work's end;
    /// NULL (never due) while the work goes on.
    private static let finishMoment = """
        CASE WHEN \(workEnd) IS NULL THEN NULL
             ELSE MAX(COALESCE(running_until, pending_until, created), \(workEnd)) END
        """

    /// Whether a job's moment has come. The clock is read only when some job is unfinished:
    /// it sits behind a lock that every request would otherwise take.
    static func hasDueJobs(_ conn: Connection, now: () -> Double) throws -> Bool {
        guard let next = try nextDueMoment(conn) else { return false }
        return next <= now()
    }

    /// The next moment a job moves on, if any job is unfinished.
    static func nextDueMoment(_ conn: Connection) throws -> Double? {
        // MIN of no rows is one row holding NULL.
        try conn.fetchValue(Double?.self, "SELECT MIN(\(dueMoment)) FROM rosti_jobs WHERE status IN ('pending', 'running')") ?? nil
    }

    // MARK: Creating

    /// Registers a job; `advance` in the same transaction finishes it at once when its
    /// durations are 0.
    static func create(
        _ conn: Connection, kind: JobKind, company: Int64, app: Int64?, snapshot: Int64?,
        parameters: JSONObject = JSONObject(), now: Double, duration: JobDuration
    ) throws -> Int64 {
        let pendingUntil = now + max(0, duration.pendingSeconds)
        let runningUntil = pendingUntil + max(0, duration.runningSeconds)
        try conn.execute(
            """
            INSERT INTO rosti_jobs (company_id, kind, status, app_id, snapshot_id, progress, message, created,
                                    pending_until, running_until, params)
            VALUES (?, ?, 'pending', ?, ?, 0, '', ?, ?, ?, ?)
            """,
            [company, kind.rawValue, app, snapshot, now, pendingUntil, runningUntil,
             JSONWriter.text(.object(parameters), .djangoREST)])
        return conn.lastInsertedRowID
    }

    // MARK: Moving on

    private struct DueJob {
        let id: Int64
        let kind: JobKind
        let status: Status
        let company: Int64
        let app: Int64?
        let snapshot: Int64?
        let parameters: JSONObject
        let created: Double
        let pendingUntil: Double
        let runningUntil: Double
    }

    /// Moves every job whose moment has come, oldest moment first. Returns how many moved.
    @discardableResult
    static func advance(_ conn: Connection, now: Double) throws -> Int {
        let due = try conn.fetchAll(
            """
            SELECT id, kind, status, company_id, app_id, snapshot_id, params, created,
                   COALESCE(pending_until, created) AS pending_until,
                   COALESCE(\(finishMoment), running_until, pending_until, created) AS running_until
            FROM rosti_jobs WHERE status IN ('pending', 'running') AND \(dueMoment) <= ?
            ORDER BY \(dueMoment), id
            """, [now]
        ).map { row in
            DueJob(
                id: try row["id"], kind: JobKind(rawValue: try row["kind"]) ?? .snapshot,
                status: Status(rawValue: try row["status"]) ?? .pending, company: try row["company_id"],
                app: try row["app_id"], snapshot: try row["snapshot_id"],
                parameters: parametersObject(try row["params"]), created: try row["created"],
                pendingUntil: try row["pending_until"], runningUntil: try row["running_until"])
        }
        for job in due {
            if job.status == .pending {
                if let failure = try missingPrerequisite(of: job, conn) {
                    try finish(job, conn, outcome: failure, at: job.pendingUntil, progress: 0)
                    continue
                }
                // Its work starts now (`JobWork.startDueWork`); it is done once that ends.
                try conn.execute("UPDATE rosti_jobs SET status = 'running', started = ?, progress = 0 WHERE id = ?", [job.pendingUntil, job.id])
                continue
            }
            try complete(job, conn)
        }
        return due.count
    }

    // MARK: Forcing (the admin API)

    enum ForcingError: Error, Equatable {
        case noSuchJob
        case alreadyFinished(Status)
    }

    /// Moves an unfinished job's moments to `now` and moves it on: it completes, with its
    /// effect, exactly as if its durations had passed (or fails, if its app or snapshot is
    /// gone) — at once if its work has ended, else when the work ends.
    static func forceCompletion(_ conn: Connection, job id: Int64, now: Double) throws {
        try requireUnfinished(conn, job: id)
        try conn.execute(
            """
            UPDATE rosti_jobs SET pending_until = MIN(COALESCE(pending_until, created), ?), running_until = ?
            WHERE id = ?
            """, [now, now, id])
        try advance(conn, now: now)
    }

    /// Ends an unfinished job as failed now, without its effect (a snapshot it was taking
    /// is marked failed, as for any failed snapshot job).
    static func forceFailure(_ conn: Connection, job id: Int64, now: Double) throws {
        try requireUnfinished(conn, job: id)
        try finish(try unfinishedJob(conn, id, now: now), conn, outcome: .failedOnRequest, at: now, progress: 0)
    }

    /// Ends a running job whose work failed (`JobWork`), at `now`, without its effect; a job
    /// that is no longer running is left as it is.
    static func failWork(_ conn: Connection, job id: Int64, outcome: JobOutcome, progress: Int, now: Double) throws {
        guard try conn.fetchValue(String.self, "SELECT status FROM rosti_jobs WHERE id = ?", [id]) == Status.running.rawValue else { return }
        try finish(try unfinishedJob(conn, id, now: now), conn, outcome: outcome, at: now, progress: progress)
    }

    private static func unfinishedJob(_ conn: Connection, _ id: Int64, now: Double) throws -> DueJob {
        let row = try conn.fetchOne(
            """
            SELECT id, kind, status, company_id, app_id, snapshot_id, params, created,
                   COALESCE(pending_until, created) AS pending_until
            FROM rosti_jobs WHERE id = ?
            """, [id])!
        return DueJob(
            id: id, kind: JobKind(rawValue: try row["kind"]) ?? .snapshot,
            status: Status(rawValue: try row["status"]) ?? .pending, company: try row["company_id"],
            app: try row["app_id"], snapshot: try row["snapshot_id"], parameters: parametersObject(try row["params"]),
            created: try row["created"], pendingUntil: min(try row["pending_until"] as Double, now),
            runningUntil: now)
    }

    private static func requireUnfinished(_ conn: Connection, job id: Int64) throws {
        guard let text = try conn.fetchValue(String.self, "SELECT status FROM rosti_jobs WHERE id = ?", [id]) else {
            throw ForcingError.noSuchJob
        }
        let status = Status(rawValue: text) ?? .pending
        guard status == .pending || status == .running else { throw ForcingError.alreadyFinished(status) }
    }

    /// Why a job cannot go on: its app or snapshot was deleted meanwhile, or its plan.
    private static func missingPrerequisite(of job: DueJob, _ conn: Connection) throws -> JobOutcome? {
        func exists(_ table: String, _ id: Int64?) throws -> Bool {
            guard let id else { return false }
            return try conn.fetchValue(Int64.self, "SELECT 1 FROM \(table) WHERE id = ?", [id]) != nil
        }
        switch job.kind {
        case .snapshot:
            if try !exists("rosti_apps", job.app) { return .snapshotAppDeleted }
            if try !exists("rosti_snapshots", job.snapshot) { return .snapshotDeleted }
        case .restore:
            if try !exists("rosti_apps", job.app) { return .restoreAppDeleted }
            if try !exists("rosti_snapshots", job.snapshot) { return .restoreSnapshotDeleted }
        case .newApp:
            if try !exists("rosti_snapshots", job.snapshot) { return .restoreSnapshotDeleted }
            if try !exists("rosti_plans", job.parameters["plan"]?.int64Value) { return .newAppPlanDeleted }
        }
        return nil
    }

    /// The job's effect, at `running_until`.
    private static func complete(_ job: DueJob, _ conn: Connection) throws {
        if let failure = try missingPrerequisite(of: job, conn) {
            try finish(job, conn, outcome: failure, at: job.runningUntil, progress: RostiLimits.runningJobProgressCeiling)
            return
        }
        switch job.kind {
        case .snapshot:
            try conn.execute(
                """
                UPDATE rosti_snapshots SET status = 'ready',
                    size = COALESCE((SELECT json_extract(params, '$.work.bytes') FROM rosti_jobs WHERE id = ?), 0) WHERE id = ?
                """, [job.id, job.snapshot])
            try finish(job, conn, outcome: .snapshotCreated, at: job.runningUntil, progress: 100)
        case .restore:
            try conn.execute(
                "UPDATE rosti_apps SET data_bytes = (SELECT size FROM rosti_snapshots WHERE id = ?) WHERE id = ?",
                [job.snapshot, job.app])
            let name = try conn.fetchValue(String.self, "SELECT name FROM rosti_apps WHERE id = ?", [job.app]) ?? ""
            try finish(job, conn, outcome: .restored(snapshot: job.snapshot ?? 0, appName: name, app: job.app ?? 0),
                       at: job.runningUntil, progress: 100)
        case .newApp:
            let name = job.parameters["name"]?.stringValue ?? "app"
            let plan = job.parameters["plan"]?.int64Value ?? 0
            let size = try conn.fetchValue(Int64.self, "SELECT size FROM rosti_snapshots WHERE id = ?", [job.snapshot])
            let app = try AppStore.insert(
                conn, NewApp(company: job.company, name: name, plan: plan, dataBytes: size), now: job.runningUntil)
            try conn.execute("UPDATE rosti_jobs SET app_id = ? WHERE id = ?", [app, job.id])
            try finish(job, conn, outcome: .newAppCreated(name: name, app: app, snapshot: job.snapshot ?? 0),
                       at: job.runningUntil, progress: 100)
        }
    }

    private static func finish(_ job: DueJob, _ conn: Connection, outcome: JobOutcome, at moment: Double, progress: Int) throws {
        if job.kind == .snapshot && !outcome.succeeded {
            try conn.execute("UPDATE rosti_snapshots SET status = 'failed' WHERE id = ?", [job.snapshot])
        }
        var parameters = job.parameters
        parameters[JobOutcome.parameterKey] = outcome.json
        try conn.execute(
            """
            UPDATE rosti_jobs SET status = ?, progress = ?, message = ?, started = COALESCE(started, ?), finished = ?,
                params = ? WHERE id = ?
            """,
            [(outcome.succeeded ? Status.done : Status.failed).rawValue, progress, outcome.message.text(.en),
             job.pendingUntil, moment, JSONWriter.text(.object(parameters), .djangoREST), job.id])
    }

    // MARK: Reading

    static let columns = "id, kind, status, app_id, snapshot_id, progress, message, created, started, finished, running_until, params, \(workEnd) AS work_end"

    /// The job as the API shows it. A running job's progress is the share of its running
    /// time that has passed, or of its work done if that is less (at most 99 until it is
    /// done).
    static func json(_ row: Row, now: Double, language: Language) throws -> JSONValue {
        let status = Status(rawValue: try row["status"]) ?? .pending
        let started: Double? = try row["started"]
        let runningUntil: Double? = try row["running_until"]
        var progress: Int = try row["progress"]
        var message: String = try row["message"]
        switch status {
        case .pending:
            progress = 0
            message = Message.jobPending.text(language)
        case .running:
            var share = 1.0
            if let started, let runningUntil, runningUntil > started { share = (now - started) / (runningUntil - started) }
            var timed = min(RostiLimits.runningJobProgressCeiling, max(0, Int((share * 100).rounded(.down))))
            // The work writes its share done into `progress` until it ends.
            if try row["work_end"] as Double? == nil { timed = min(timed, progress) }
            progress = timed
            message = Message.jobRunning.text(language)
        case .done, .failed:
            if let outcome = parametersObject(try row["params"])[JobOutcome.parameterKey].flatMap(JobOutcome.init(json:)) {
                message = outcome.message.text(language)
            }
        }
        return [
            "id": .integer(try row["id"] as Int64),
            "kind": .string(try row["kind"]),
            "status": .string(status.rawValue),
            "app": .optionalInteger(try row["app_id"]),
            "snapshot": .optionalInteger(try row["snapshot_id"]),
            "progress": .integer(progress),
            "message": .string(message),
            "created": RostiTime.iso8601(try row["created"] as Double),
            "started": RostiTime.iso8601(started),
            "finished": RostiTime.iso8601(try row["finished"] as Double?),
        ]
    }

    static func parametersObject(_ text: String) -> JSONObject {
        if case .object(let object)? = try? JSONParser.parse(Array(text.utf8)) { return object }
        return JSONObject()
    }

}

/// How a job ended, kept in the job's `params` so its message can be shown in the
/// language of whoever asks (the `message` column keeps the English text for exports).
enum JobOutcome: Equatable {
    case snapshotCreated
    case snapshotAppDeleted
    case snapshotDeleted
    case restored(snapshot: Int64, appName: String, app: Int64)
    case restoreAppDeleted
    case restoreSnapshotDeleted
    case newAppCreated(name: String, app: Int64, snapshot: Int64)
    case newAppPlanDeleted
    /// Failed on purpose through `POST /__admin/jobs/{id}/fail`.
    case failedOnRequest
    /// A snapshot stopped part-way by the admin API's snapshot fault.
    case snapshotFailedPartWay(percent: Int)
    /// A restore from a snapshot that has no archive (one of a seed's).
    case snapshotHasNoFiles(snapshot: Int64)
    /// The work (tar, the files) failed.
    case workFailed(problem: String)

    static let parameterKey = "outcome"

    var succeeded: Bool {
        switch self {
        case .snapshotCreated, .restored, .newAppCreated: return true
        default: return false
        }
    }

    var message: Message {
        switch self {
        case .snapshotCreated: return .snapshotCreated
        case .snapshotAppDeleted: return .snapshotAppDeleted
        case .snapshotDeleted: return .snapshotDeleted
        case .restored(let snapshot, let name, let app): return .snapshotRestored(snapshot: snapshot, appName: name, app: app)
        case .restoreAppDeleted: return .restoreAppDeleted
        case .restoreSnapshotDeleted: return .restoreSnapshotDeleted
        case .newAppCreated(let name, let app, let snapshot): return .newAppCreated(name: name, app: app, snapshot: snapshot)
        case .newAppPlanDeleted: return .newAppPlanDeleted
        case .failedOnRequest: return .jobFailedOnRequest
        case .snapshotFailedPartWay(let percent): return .snapshotFailedPartWay(percent: percent)
        case .snapshotHasNoFiles(let snapshot): return .snapshotHasNoFiles(snapshot: snapshot)
        case .workFailed(let problem): return .jobWorkFailed(problem: problem)
        }
    }

    var json: JSONValue {
        switch self {
        case .snapshotCreated: return ["key": "snapshot_created"]
        case .snapshotAppDeleted: return ["key": "snapshot_app_deleted"]
        case .snapshotDeleted: return ["key": "snapshot_deleted"]
        case .restored(let snapshot, let name, let app):
            return ["key": "restored", "snapshot": .integer(snapshot), "app_name": .string(name), "app": .integer(app)]
        case .restoreAppDeleted: return ["key": "restore_app_deleted"]
        case .restoreSnapshotDeleted: return ["key": "restore_snapshot_deleted"]
        case .newAppCreated(let name, let app, let snapshot):
            return ["key": "new_app_created", "name": .string(name), "app": .integer(app), "snapshot": .integer(snapshot)]
        case .newAppPlanDeleted: return ["key": "new_app_plan_deleted"]
        case .failedOnRequest: return ["key": "failed_on_request"]
        case .snapshotFailedPartWay(let percent): return ["key": "snapshot_failed_part_way", "percent": .integer(Int64(percent))]
        case .snapshotHasNoFiles(let snapshot): return ["key": "snapshot_has_no_files", "snapshot": .integer(snapshot)]
        case .workFailed(let problem): return ["key": "work_failed", "problem": .string(problem)]
        }
    }

    init?(json: JSONValue) {
        let integer = { (key: String) in json[key]?.int64Value ?? 0 }
        let string = { (key: String) in json[key]?.stringValue ?? "" }
        switch json["key"]?.stringValue {
        case "snapshot_created": self = .snapshotCreated
        case "snapshot_app_deleted": self = .snapshotAppDeleted
        case "snapshot_deleted": self = .snapshotDeleted
        case "restored": self = .restored(snapshot: integer("snapshot"), appName: string("app_name"), app: integer("app"))
        case "restore_app_deleted": self = .restoreAppDeleted
        case "restore_snapshot_deleted": self = .restoreSnapshotDeleted
        case "new_app_created": self = .newAppCreated(name: string("name"), app: integer("app"), snapshot: integer("snapshot"))
        case "new_app_plan_deleted": self = .newAppPlanDeleted
        case "failed_on_request": self = .failedOnRequest
        case "snapshot_failed_part_way": self = .snapshotFailedPartWay(percent: Int(integer("percent")))
        case "snapshot_has_no_files": self = .snapshotHasNoFiles(snapshot: integer("snapshot"))
        case "work_failed": self = .workFailed(problem: string("problem"))
        default: return nil
        }
    }
}
