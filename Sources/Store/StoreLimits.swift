/// Every bound the Store module applies, in one place.
public enum StoreLimits {
    /// How long a connection waits for a lock held by another process (another `rostra`
    /// command on the same file) before it gives up with `SQLITE_BUSY`. Bounded, so a stuck
    /// peer turns into an error instead of a hung request.
    public static let busyTimeoutMilliseconds: Int32 = 5_000

    /// Read-only connections a file database opens (lazily) beside its single writer. In
    /// WAL mode readers never block the writer nor each other, so a few of them let
    /// concurrent HTTP connections read in parallel. An in-memory database cannot be
    /// shared between connections and reads through its writer instead.
    public static let readerConnectionCount = 4

    /// Pages copied per `sqlite3_backup_step` call; -1 copies everything in one step,
    /// which is what a small emulator database wants (one lock, one pass).
    public static let backupPagesPerStep: Int32 = -1
}
