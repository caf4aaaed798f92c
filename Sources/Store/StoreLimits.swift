/// Every bound the Store module applies, in one place.
public enum StoreLimits {
    /// How long a connection waits for a lock held by another process (another `rostra`
    /// command on the same file) before it gives up with `SQLITE_BUSY`. Bounded, so a stuck
    /// peer turns into an error instead of a hung request.
    public static let busyTimeoutMilliseconds: Int32 = 5_000

    /// Read-only connections a file database opens (lazily) beside its single writer. In
    /// WAL mode readers never block the writer nor each other, so a few of them let
    /// requests served at the same time (on the HTTP server's workers) read in parallel. An in-memory database cannot be
    /// shared between connections and reads through its writer instead.
    public static let readerConnectionCount = 4

    /// Pages copied per `sqlite3_backup_step` call; -1 copies everything in one step,
    /// which is what a small emulator database wants (one lock, one pass).
    public static let backupPagesPerStep: Int32 = -1

    /// How often (nanoseconds) `Database.dataVersion()` looks at the WAL file for commits of
    /// other processes: a write by `rostra import` to a served file is seen by cached reads
    /// at most this long after it. Our own writes are seen at once.
    public static let externalChangeCheckInterval: UInt64 = 1_000_000

    /// The most writes one commit carries (`GroupCommit`): enough to share a commit among
    /// every connection of a busy test suite, few enough that the writer that leads does
    /// not wait long for others' work before its own answer.
    public static let writesPerCommitMaximum = 64
}
