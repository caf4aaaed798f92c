/// Every bound of the control plane (admin API, faults, journal, tenants) in one place.
/// Settings that users may tune have their defaults in `EmulatorSettings`; these are the
/// hard ceilings those settings and admin bodies are checked against.
public enum ControlPlaneLimits {
    // MARK: Admin API

    /// The largest JSON body an admin call reads (rules, settings, accounts, clock).
    public static let adminBodyMaximumBytes = 1 << 20
    /// Rows each list of `GET /__admin/overview` carries (newest first; `count` has them
    /// all): enough for any demo or test world, bounded for one a load test filled.
    public static let overviewRowsPerList = 500

    // MARK: Faults

    /// Rules one tenant may hold; more is refused (400) rather than slowing every request.
    public static let faultRulesPerTenant = 1000
    /// The longest delay a rule, `X-Rostra-Delay` or `latency_ms` may ask for: five minutes,
    /// longer than any client time-out worth testing, short enough that a typo frees the
    /// connection's thread in finite time.
    public static let delayMaximumMilliseconds = 300_000
    /// A path pattern longer than this is refused; real patterns are short.
    public static let pathPatternMaximumCharacters = 1000
    /// Seeds are JSON numbers, and JSON numbers are doubles: integers above 2^53 would not
    /// come back as they were sent.
    public static let seedMaximum: UInt64 = (1 << 53) - 1

    // MARK: Journal

    /// The most entries a tenant's journal may be set to keep (`journal_size`).
    public static let journalEntriesMaximum = 100_000
    /// Request bodies with a declared length up to this are read before the routes run so
    /// the journal can keep their beginning; larger and chunked bodies stream to the
    /// handler untouched and only their size is journaled.
    public static let journalBufferedBodyMaximumBytes = 64 * 1024
    /// The beginning of a body the journal keeps.
    public static let journalBodyPrefixBytes = 1024
    /// Header bytes (names and values) one entry keeps; the rest are left out and the
    /// entry says so. With the target cap below, one entry stays under about 20 KiB.
    public static let journalHeaderBytes = 8 * 1024
    /// Path and query bytes one entry keeps (each).
    public static let journalTargetBytes = 4 * 1024
    /// Entries in one answer of `GET /__admin/requests` without `limit`: what a person or
    /// a test reads at once.
    public static let journalPageDefault = 100
    /// The most entries one answer holds, whatever `limit` says: 1000 entries at the
    /// limits above are about 17 MiB of JSON, where a whole journal without a page built
    /// an answer of 1.65 GB.
    public static let journalPageMaximum = 1000

    /// What the journals of every tenant together may hold (entries' strings and fields,
    /// about): past it, the oldest entries of the largest journal go first. A hundred
    /// tenants each keeping a thousand ordinary entries (a few hundred bytes each) fit many
    /// times over; a hundred tenants of a thousand entries at the limits above (17 KiB
    /// each) held 1.67 GB before there was a budget.
    public static let journalBytesMaximum = 128 << 20

    // MARK: Tenants

    /// Rate-limit keys the seed view keeps in one window for tenants not made yet (each a
    /// name and a client, a hundred bytes or so); requests beyond it share one count.
    public static let seedViewRateLimitKeysMaximum = 100_000

    /// The longest tenant name.
    public static let tenantNameMaximumCharacters = 64
    /// The ceiling for `max_tenants`.
    public static let tenantsMaximum = 10_000

    // MARK: Settings

    /// The ceiling for `rate_limit`.
    public static let rateLimitMaximum = 1_000_000_000
    /// The ceiling for `rate_window_s`: a year.
    public static let rateWindowMaximumSeconds = 366 * 24 * 3600
    /// The ceiling for a job phase (`pending_s`, `running_s`): thirty days.
    public static let jobPhaseMaximumSeconds: Double = 30 * 24 * 3600

    // MARK: Clock

    /// The furthest `POST /__admin/clock/advance` moves in one call: a hundred years.
    public static let clockAdvanceMaximumSeconds: Double = 100 * 366 * 24 * 3600
}
