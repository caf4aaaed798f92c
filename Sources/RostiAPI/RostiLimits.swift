/// Every bound the Rosti API applies, in one place. Crossing one is a 400 naming the field
/// (DRF's texts), or 413 for the body as a whole.
enum RostiLimits {
    /// Largest JSON body read into memory: Django's `DATA_UPLOAD_MAX_MEMORY_SIZE` default.
    static let maximumRequestBodyBytes = 2_621_440
    /// Deepest nesting of arrays and objects in a body (Python would end in RecursionError).
    static let maximumJSONNesting = 256

    static let appNameMaximumLength = 64
    /// A DNS name is at most 253 characters.
    static let domainMaximumLength = 253
    static let sshKeyMaximumLength = 16_384
    /// Entries in `domains` and in `ssh_keys`.
    static let listMaximumCount = 100
    static let noteMaximumLength = 255
    static let storagePasswordMinimumLength = 8
    static let storagePasswordMaximumLength = 128
    /// Characters of the slug in a generated storage name (`blog_1894`): with the `_<id>`
    /// suffix the name stays within MariaDB's historical 16-character user names for ids
    /// below 100 000.
    static let storageSlugMaximumLength = 10

    /// Characters of an integer given as a string before DRF stops reading it
    /// (`IntegerField.MAX_STRING_LENGTH`).
    static let integerStringMaximumLength = 1000
    /// `app_port` range.
    static let portRange: ClosedRange<Int64> = 1...65535

    /// Highest progress a running job reports: 100 only once it is done.
    static let runningJobProgressCeiling = 99
    /// How often at most a job's work writes its progress to the job's row.
    static let jobWorkProgressIntervalSeconds = 0.5
    /// How long a call that finds a job due by its configured time waits for the job's work
    /// (an archive, an unpacking) to end, so that short work is answered done rather than
    /// running; longer work goes on and the job finishes when it ends.
    static let jobWorkInlineWaitSeconds = 2.0
    /// How long a tenant's reset, import, deletion or closing waits for the work under way
    /// to stop.
    static let jobWorkCancelWaitSeconds = 10.0
    /// How long the admin API's `complete` waits for a job's work to end.
    static let jobWorkForcedWaitSeconds = 60.0
    /// Highest percent at which the admin API's snapshot fault may stop a snapshot.
    static let snapshotFaultPercentRange: ClosedRange<Int> = 0...99
}

/// What the emulated platform assigns where the client does not choose (the reference's
/// [choice] defaults).
enum RostiDefaults {
    /// The plan of a new app when none is given.
    static let planName = "Start+"
    static let appMode = "https+le"
    static let appPort: Int64 = 8080
    static let domainSuffix = ".rostiapp.cz"
    static let smtpDomain = "rostiapp.cz"
    static let sshHostname = "ssh.rosti.cz"
    static let sshUsername = "app"
    /// An app's SSH port is this plus its id (the seed's apps use 21201 for app 1201), wrapped
    /// to stay below 65536.
    static let sshPortBase: Int64 = 20_000
    static let sshPortSpan: Int64 = 45_000

    static func sshPort(forApp id: Int64) -> Int64 { sshPortBase + id % sshPortSpan }
}
