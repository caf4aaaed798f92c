import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A SQLite database shared by many threads: one writer connection and, for files, a few
/// reader connections, each used by one thread at a time under its own lock.
///
/// The API is synchronous because request handlers are: the HTTP server's workers call it
/// and wait (`try db.read { conn in … }`, `try db.write { conn in … }`), and the pool
/// starts another worker for other connections meanwhile.
public final class Database: Sendable {
    /// The path given to `init`, or ":memory:".
    public let path: String
    public var isInMemory: Bool { path == Self.inMemoryPath }
    public static let inMemoryPath = ":memory:"

    private let writer: ConnectionSlot
    private let readers: [ConnectionSlot]
    /// Round-robin start for a reader when all are busy, so waiters spread out.
    private let nextReader = Atomic<Int>(0)
    /// Bumped after every write through this object (see `dataVersion()`).
    private let writeCount = Atomic<UInt64>(0)
    /// Notices commits by other processes; nil in memory, where there are none.
    private let walWatch: WALWatch?
    let groupCommit = GroupCommit()
    /// The schema version the file had when it was opened, before any migration: 0 for a
    /// new or empty database (no table at all). Without a migrator, 0.
    public let versionAtOpening: Int

    /// Opens (creating when missing) the database at `path`, or a private in-memory one
    /// for ":memory:", and brings its schema up to `migrator`'s latest version.
    ///
    /// Throws `StoreOpeningError.notASQLiteDatabase` for a file that is not SQLite,
    /// `.schemaNewerThanCode` for one written by newer code and `.foreignSchema` for one
    /// whose tables are not the migrator's (another program's database); each leaves the
    /// file untouched.
    public init(path: String, migrator: Migrator? = nil) throws {
        self.path = path
        let inMemory = path == Self.inMemoryPath
        if !inMemory { try Self.refuseNonSQLiteFile(at: path) }

        let connection: Connection
        var found = 0
        do {
            connection = try Connection(path: path, readOnly: false)
            // Check the version before anything that writes: switching a rollback-journal
            // file to WAL rewrites its header, and a newer file must stay untouched.
            if let migrator {
                found = try migrator.appliedVersion(in: connection)
                guard found <= migrator.latestVersion else {
                    throw StoreOpeningError.schemaNewerThanCode(
                        path: path, found: found, known: migrator.latestVersion)
                }
                if found == 0, try connection.fetchValue(Int.self, "SELECT count(*) FROM sqlite_master") ?? 0 > 0 {
                    throw StoreOpeningError.foreignSchema(path: path)
                }
            }
            try Self.configureWriter(connection)
            try migrator?.migrate(connection)
        } catch let error as DatabaseError where error.code.primary == .notADatabase {
            throw StoreOpeningError.notASQLiteDatabase(path: path)
        }
        versionAtOpening = found
        writer = ConnectionSlot(connection)
        walWatch = inMemory ? nil : WALWatch(path: path + "-wal")
        // An in-memory database lives in one connection only; its reads share the writer.
        readers = inMemory
            ? []
            : (0..<StoreLimits.readerConnectionCount).map { _ in
                ConnectionSlot(opening: { try Self.openReader(path: path) })
            }
    }

    /// Runs `body` in a DEFERRED transaction: every query inside sees one snapshot.
    ///
    /// On a file database it uses a reader connection and never waits for the writer.
    /// Inside a `write` closure use that closure's connection instead: a nested `read`
    /// would not see the outer transaction's uncommitted changes.
    public func read<Result>(_ body: (Connection) throws -> Result) throws -> Result {
        if readers.isEmpty {
            return try writer.withConnection { try $0.inTransaction(.deferred, body) }
        }
        for slot in readers {
            if let result = try slot.withConnectionIfFree({ try $0.inTransaction(.deferred, body) }) {
                return result
            }
        }
        // All busy: wait for one, skipping any this thread already holds.
        let start = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        for offset in 0..<readers.count {
            let slot = readers[(start &+ offset) % readers.count]
            if !slot.isHeldByCurrentThread {
                return try slot.withConnection { try $0.inTransaction(.deferred, body) }
            }
        }
        throw StoreOpeningError.reentrantAccess
    }

    /// Runs `body` in an IMMEDIATE transaction on the writer connection: committed before
    /// `write` returns, rolled back when it throws. Writes are serialised.
    ///
    /// Writes of several threads that wait at the same time share one commit (see
    /// `GroupCommit`); each still runs alone, in its own savepoint, and is rolled back alone
    /// when it throws.
    public func write<Result>(_ body: (Connection) throws -> Result) throws -> Result {
        guard !writer.isHeldByCurrentThread else { throw StoreOpeningError.reentrantAccess }
        return try groupCommit.write(on: writer, body, committed: committed)
    }

    /// Runs `body` on the writer connection with no transaction around it, for work that
    /// manages its own (migrations, `Connection.replaceContents(with:)`, PRAGMAs that
    /// cannot run inside a transaction).
    public func writeWithoutTransaction<Result>(_ body: (Connection) throws -> Result) throws -> Result {
        defer { committed() }
        return try writer.withConnection(body)
    }

    // MARK: Closing and checking

    /// Waits for reads and writes in progress, copies everything the write-ahead log holds
    /// into the database file and empties the log (`wal_checkpoint(TRUNCATE)`), then closes
    /// every connection. Afterwards the database file alone holds the whole state — a copy
    /// of it is a complete copy — and every `read` or `write` throws `.closed`. Closing
    /// twice does nothing more.
    public func close() throws {
        for slot in readers { slot.close(finally: nil) }
        var checkpointError: (any Error)?
        writer.close { connection in
            guard !self.isInMemory else { return }
            // "TRUNCATE: … blocks … until all readers are reading from the database file
            // only and then … truncates the log file to zero bytes"
            // (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint); no reader is left.
            do { try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") } catch { checkpointError = error }
        }
        if let checkpointError { throw checkpointError }
    }

    /// Problems SQLite finds in the file's structure (`PRAGMA quick_check`: every page of
    /// every table and index, without comparing indexes to their tables' contents, which
    /// is linear in the file's size); empty when it is sound.
    public func structuralProblems() throws -> [String] {
        do {
            let problems = try read { conn in
                try conn.fetchAll("PRAGMA quick_check").map { try $0[0] as String }
            }
            return problems == ["ok"] ? [] : problems
        } catch let error as DatabaseError where error.code.primary == .corrupt || error.code.primary == .notADatabase {
            // A page so broken that the check cannot walk past it is a finding too.
            return [error.message]
        }
    }

    /// After a write has ended (committed or rolled back).
    private func committed() {
        writeCount.add(1, ordering: .releasing)
    }

    // MARK: Knowing when answers go stale

    /// A value that changes whenever the data may have changed: after every write through
    /// this object (counted once the transaction has ended, so a reader that takes the
    /// version *before* it reads can never tag new data with an old version), and when
    /// another process (`rostra import` on a served file) commits to the same file — every
    /// commit in WAL mode writes the `-wal` file, whose change time and size are looked at
    /// at most once per `StoreLimits.externalChangeCheckInterval`.
    ///
    /// Caches of answers computed from the database compare it before they trust an entry.
    /// Costs an atomic load or two; a `stat` now and then.
    public func dataVersion() -> DataVersion {
        let writes = writeCount.load(ordering: .acquiring)
        return DataVersion(writes: writes, external: walWatch?.stamp() ?? 0)
    }

    // MARK: Opening

    private static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// "Every valid SQLite database file begins with the following 16 bytes (in hex):
    /// 53 51 4c 69 74 65 20 66 6f 72 6d 61 74 20 33 00" (https://www.sqlite.org/fileformat.html).
    /// An empty file is a valid empty database to SQLite, so it is accepted.
    private static func refuseNonSQLiteFile(at path: String) throws {
        // Plain POSIX: this runs on every start, where Foundation's FileHandle costs more
        // to set up on first use than the read itself.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { Glibc.close(descriptor) }
        var prefix = [UInt8](repeating: 0, count: sqliteHeader.count)
        let count = prefix.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return }
        if Array(prefix[0..<count]) != sqliteHeader {
            throw StoreOpeningError.notASQLiteDatabase(path: path)
        }
    }

    private static func configureWriter(_ connection: Connection) throws {
        // WAL: readers and the writer do not block each other
        // (https://www.sqlite.org/wal.html). An in-memory database answers "memory".
        try connection.execute("PRAGMA journal_mode = WAL")
        // "In WAL mode when synchronous is NORMAL … a transaction committed in WAL mode
        // with synchronous=NORMAL might roll back following a power loss or system crash"
        // — but survives an application crash (https://www.sqlite.org/pragma.html#pragma_synchronous),
        // the durability an emulator needs, without an fsync per commit.
        try connection.execute("PRAGMA synchronous = NORMAL")
        // Off by default for compatibility; "must be separately enabled for each database
        // connection" (https://www.sqlite.org/foreignkeys.html#fk_enable).
        try connection.execute("PRAGMA foreign_keys = ON")
    }

    private static func openReader(path: String) throws -> Connection {
        let connection = try Connection(path: path, readOnly: true)
        // Belt and braces over SQLITE_OPEN_READONLY: also refuses writes to attached or
        // temporary databases (https://www.sqlite.org/pragma.html#pragma_query_only).
        try connection.execute("PRAGMA query_only = ON")
        return connection
    }
}

/// See `Database.dataVersion()`.
public struct DataVersion: Hashable, Sendable {
    let writes: UInt64
    /// What `WALWatch` last saw of the `-wal` file.
    let external: UInt64

    /// Whether this version was certainly taken before `other`: fewer writes through this
    /// process. (Versions that differ only by another process's commits are not ordered.)
    public func precedes(_ other: DataVersion) -> Bool { writes < other.writes }
}

/// Watches a WAL file for commits made by other processes by its change time and size.
///
/// A `stat` per request was measured at 5% of a cached read, so it is taken at most once
/// per `StoreLimits.externalChangeCheckInterval`, by one thread at a time: the stamp only
/// ever moves forward to a newer reading (a late thread's older reading cannot put an old
/// stamp back). `@unchecked Sendable`: `lastReading` is only touched under `lock`; the
/// rest are atomics or constants.
final class WALWatch: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var lastReading: (change: Int64, size: Int64) = (0, 0)
    private let readings = Atomic<UInt64>(0)
    private let lastCheck = Atomic<UInt64>(0)

    init(path: String) {
        self.path = path
    }

    /// A number that changes when the file has changed since an earlier call.
    func stamp() -> UInt64 {
        let now = DispatchTime.now().uptimeNanoseconds
        if now &- lastCheck.load(ordering: .relaxed) >= StoreLimits.externalChangeCheckInterval, lock.try() {
            defer { lock.unlock() }
            lastCheck.store(now, ordering: .relaxed)
            let reading = Self.read(path)
            if reading != lastReading {
                lastReading = reading
                readings.add(1, ordering: .releasing)
            }
        }
        return readings.load(ordering: .acquiring)
    }

    /// The file's status change time in nanoseconds and its size; (-1, -1) when missing.
    private static func read(_ path: String) -> (change: Int64, size: Int64) {
        var status = stat()
        guard stat(path, &status) == 0 else { return (-1, -1) }
        #if canImport(Darwin)
            let changed = status.st_ctimespec
        #else
            let changed = status.st_ctim
        #endif
        return (Int64(changed.tv_sec) &* 1_000_000_000 &+ Int64(changed.tv_nsec), Int64(status.st_size))
    }
}

/// One connection guarded by one lock, opened on first use.
///
/// `@unchecked Sendable` is safe because `connection` is only read or written between
/// `lock.lock()` and `lock.unlock()` (or a successful `lock.try()`), so at most one thread
/// touches it — and through it the sqlite3 handle, which was opened in multi-thread mode —
/// at a time. `owner` is an atomic and needs no lock.
final class ConnectionSlot: @unchecked Sendable {
    private let lock = NSLock()
    private let owner = Atomic<UInt>(0)
    private var connection: Connection?
    /// Opens the connection on first use; nil for a slot given an open connection.
    private let open: (@Sendable () throws -> Connection)?
    /// Set by `close`: the slot opens nothing any more.
    private var isClosed = false

    init(_ connection: Connection) {
        self.connection = connection
        self.open = nil
    }

    init(opening open: @escaping @Sendable () throws -> Connection) {
        self.open = open
    }

    /// Only this thread ever stores its own id, so a relaxed load that sees it is exact.
    var isHeldByCurrentThread: Bool { owner.load(ordering: .relaxed) == currentThreadID() }

    func withConnection<Result>(_ body: (Connection) throws -> Result) throws -> Result {
        guard !isHeldByCurrentThread else { throw StoreOpeningError.reentrantAccess }
        lock.lock()
        return try holding(body)
    }

    /// Runs `body` only if the lock is free right now; nil otherwise.
    func withConnectionIfFree<Result>(_ body: (Connection) throws -> Result) throws -> Result? {
        guard lock.try() else { return nil }
        return try holding(body)
    }

    /// Waits for the connection's current user, runs `finally` on the open connection if
    /// there is one, and closes it for good.
    func close(finally: ((Connection) -> Void)?) {
        lock.lock()
        defer { lock.unlock() }
        if let connection, !isClosed { finally?(connection) }
        isClosed = true
        connection = nil
    }

    /// Precondition: `lock` is held by this thread; releases it.
    private func holding<Result>(_ body: (Connection) throws -> Result) throws -> Result {
        owner.store(currentThreadID(), ordering: .relaxed)
        defer {
            owner.store(0, ordering: .relaxed)
            lock.unlock()
        }
        guard !isClosed else { throw StoreOpeningError.closed }
        let current: Connection
        if let connection {
            current = connection
        } else {
            // Every slot has a connection or a way to open one (see the initialisers).
            current = try open!()
            connection = current
        }
        return try body(current)
    }
}

private func currentThreadID() -> UInt {
    #if canImport(Glibc)
        return UInt(pthread_self())
    #else
        return UInt(bitPattern: pthread_self())
    #endif
}
