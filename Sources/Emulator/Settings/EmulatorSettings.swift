import Primitives
import Synchronization

/// How long each kind of asynchronous job stays pending, then running, on the emulator's
/// clock.
public struct JobDuration: Sendable, Equatable, Codable {
    public var pendingSeconds: Double
    public var runningSeconds: Double

    public init(pendingSeconds: Double, runningSeconds: Double) {
        self.pendingSeconds = pendingSeconds
        self.runningSeconds = runningSeconds
    }

    enum CodingKeys: String, CodingKey {
        case pendingSeconds = "pending_s"
        case runningSeconds = "running_s"
    }
}

/// The kinds of asynchronous Rosti job.
public enum JobKind: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable {
    case snapshot
    case restore
    case newApp = "new_app"
}

/// Everything a user may tune at run time (`GET/PUT /__admin/settings`), with the defaults
/// of `reference/emulator.md`. JSON keys are the documented snake_case names.
public struct EmulatorSettings: Sendable, Equatable, Codable {
    /// Requests per window per key.
    public var rateLimit = 2000
    /// The window, in seconds of the emulator's clock (calendar-aligned: a window starts at
    /// a multiple of its length since the epoch, so an hour window starts on the hour).
    public var rateWindowSeconds = 3600
    public var rateLimitedAPIs: Set<EmulatedAPI> = [.rosa]
    public var jobDurations: [JobKind: JobDuration] = [
        .snapshot: JobDuration(pendingSeconds: 1, runningSeconds: 3),
        .restore: JobDuration(pendingSeconds: 1, runningSeconds: 5),
        .newApp: JobDuration(pendingSeconds: 1, runningSeconds: 5),
    ]
    /// The language of answers to clients that send no `Accept-Language` (Rosti answers in
    /// Czech, as the live service does).
    public var language = "cs"
    /// Added to every API answer.
    public var latencyMilliseconds = 0
    /// Entries each tenant's request journal keeps (0: no journal).
    public var journalSize = 1000
    /// Tenants that may exist besides the default one; a request naming a new tenant
    /// beyond it is refused (409). Lowering it removes no tenant.
    public var maxTenants = 100

    /// The languages Rosti answers in.
    public static let languages = ["cs", "en"]

    public init() {}

    public func duration(of kind: JobKind) -> JobDuration {
        jobDurations[kind] ?? JobDuration(pendingSeconds: 0, runningSeconds: 0)
    }

    enum CodingKeys: String, CodingKey {
        case rateLimit = "rate_limit"
        case rateWindowSeconds = "rate_window_s"
        case rateLimitedAPIs = "rate_limited_apis"
        case jobDurations = "job_durations"
        case language
        case latencyMilliseconds = "latency_ms"
        case journalSize = "journal_size"
        case maxTenants = "max_tenants"
    }
}

/// The current settings, shared by every request; changes apply to the next request.
public final class SettingsStore: Sendable {
    /// Written by admin calls; readers do not queue behind each other (see `ReadWriteLock`).
    private let current: ReadWriteLock<EmulatorSettings>
    /// Copies of the settings the emulator's own layers read on every request, loaded
    /// without a lock: even a reader-writer lock writes its lock word, and that shared
    /// cache line bouncing between cores was a measured part of the request path's cost.
    /// Each is written under the write lock; a reader sees the old or the new value.
    private let journalSizeMirror: Atomic<Int>
    private let latencyMirror: Atomic<Int>
    private let maxTenantsMirror: Atomic<Int>

    public init(_ settings: EmulatorSettings = EmulatorSettings()) {
        current = ReadWriteLock(settings)
        journalSizeMirror = Atomic(settings.journalSize)
        latencyMirror = Atomic(settings.latencyMilliseconds)
        maxTenantsMirror = Atomic(settings.maxTenants)
    }

    /// `journal_size`, without a lock.
    public var journalSize: Int { journalSizeMirror.load(ordering: .relaxed) }
    /// `latency_ms`, without a lock.
    public var latencyMilliseconds: Int { latencyMirror.load(ordering: .relaxed) }
    /// `max_tenants`, without a lock.
    public var maxTenants: Int { maxTenantsMirror.load(ordering: .relaxed) }

    public var value: EmulatorSettings { current.read { $0 } }

    /// One part of the settings, without copying the rest (the request path reads single
    /// values and need not retain the job table each time).
    public func read<Part>(_ part: (EmulatorSettings) -> Part) -> Part { current.read(part) }

    /// Changes the settings under the lock; a change that throws leaves them as they were.
    @discardableResult
    public func update<Result: Sendable>(_ change: (inout EmulatorSettings) throws -> Result) rethrows -> Result {
        try current.write { settings in
            var changed = settings
            let result = try change(&changed)
            settings = changed
            journalSizeMirror.store(changed.journalSize, ordering: .relaxed)
            latencyMirror.store(changed.latencyMilliseconds, ordering: .relaxed)
            maxTenantsMirror.store(changed.maxTenants, ordering: .relaxed)
            return result
        }
    }
}
