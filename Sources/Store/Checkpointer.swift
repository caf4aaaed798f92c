import Dispatch
import Foundation
import Synchronization

/// Copies the write-ahead log back into the database file on a background connection, so
/// that no request waits for it.
///
/// SQLite's own automatic checkpoint runs inside the commit that crosses its threshold
/// (https://www.sqlite.org/wal.html#automatic_checkpoint), with the writer lock held and
/// an `fsync` of both files: under a burst of app creations that was a third of the time
/// and every other writer waited behind it. Here the writer only counts its commits; every
/// `StoreLimits.commitsPerCheckpoint` of them a PASSIVE checkpoint runs on this object's
/// own connection, which "does as much work as possible without interfering with other
/// database connections" (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html). Under
/// writes that never pause, a passive checkpoint cannot finish and the log would only
/// grow; past `StoreLimits.walFramesBeforeRestart` frames a RESTART checkpoint makes
/// writers wait (bounded by the busy timeout) until the log can start over.
///
/// Durability is unchanged: a commit is durable once it is in the log (see
/// `Database.configureWriter`), whether or not a checkpoint has copied it yet.
///
/// `@unchecked Sendable`: `connection` is only touched on `queue`; the rest are atomics
/// and constants.
final class Checkpointer: @unchecked Sendable {
    private let path: String
    private let queue = DispatchQueue(label: "rostra.store.checkpoint", qos: .utility)
    private let commits = Atomic<Int>(0)
    private let scheduled = Atomic<Bool>(false)
    private var connection: Connection?

    init(path: String) {
        self.path = path
    }

    /// Called after every commit of the writer.
    func noteCommit() {
        guard commits.add(1, ordering: .relaxed).newValue % StoreLimits.commitsPerCheckpoint == 0,
            scheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        queue.async { [self] in
            defer { scheduled.store(false, ordering: .releasing) }
            // A failed checkpoint leaves the log as it was; the next one tries again.
            try? checkpoint()
        }
    }

    /// Returns once every checkpoint scheduled so far has run (for tests).
    func waitUntilIdle() {
        queue.sync {}
    }

    private func checkpoint() throws {
        let connection = try self.connection ?? Connection(path: path, readOnly: false)
        self.connection = connection
        // One row: busy, frames in the log, frames checkpointed
        // (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint).
        let frames = try connection.fetchOne("PRAGMA wal_checkpoint(PASSIVE)").map { try $0[1] as Int } ?? 0
        if frames > StoreLimits.walFramesBeforeRestart {
            try connection.execute("PRAGMA wal_checkpoint(RESTART)")
        }
    }
}
