import Dispatch
import Foundation
import Synchronization

/// Writes from many threads committed together: the first writer to find nobody
/// committing becomes the *leader*, opens one transaction, runs every write that is
/// waiting — each in its own savepoint — and commits them all at once; the others sleep
/// until their write is committed (or the leader hands the lead to them).
///
/// Why: each commit appends every page it touched to the write-ahead log and takes the
/// log's locks. Creating an app touches about six pages (the table, its indexes, the
/// container, `sqlite_sequence`), so fifty clients creating apps one commit each wrote the
/// same pages fifty times, and the commit and the hand-over of the writer lock from thread
/// to thread were most of a creation's cost. Writes that share a commit share those pages.
///
/// What each caller sees is unchanged: its closure runs alone on the writer connection,
/// inside a transaction, and `write` returns only after the commit that made it durable;
/// a closure that throws rolls back its own savepoint and nothing else. If the commit
/// itself fails, every write of the batch gets that error — none of them is acknowledged.
final class GroupCommit: Sendable {
    private let state = GroupCommitState()
    private let batches = Atomic<Int>(0)

    /// Runs `body` in a transaction on `writer`, together with whatever else is waiting.
    /// `committed` runs once per batch, after its commit (or rollback) and before any of
    /// its writers returns.
    func write<Result>(
        on writer: ConnectionSlot, _ body: (Connection) throws -> Result, committed: () -> Void
    ) throws -> Result {
        try withoutActuallyEscaping(body) { body in
            let outcome = Outcome<Result>()
            let job = PendingWrite { connection in
                let result = Swift.Result { try Self.inSavepoint(connection, body) }
                outcome.value = result
                if case .success = result { return true }
                return false
            } fail: { error in
                outcome.value = .failure(error)
            }
            if state.enqueue(job) {
                lead(on: writer, committed: committed)
            } else if job.waitForTurn() == .lead {
                lead(on: writer, committed: committed)
            }
            // Every batch runs or fails each of its jobs before anyone is woken.
            return try outcome.value!.get()
        }
    }

    /// Commits batches until the caller's own job is done, then hands the lead to the
    /// oldest waiting writer (so no caller commits for others for long).
    private func lead(on writer: ConnectionSlot, committed: () -> Void) {
        var batch: [PendingWrite] = []
        do {
            try writer.withConnection { connection in
                // Taken once the writer is ours: everything that queued while it was busy
                // (another batch, a reset) goes into this commit.
                batch = state.takeBatch()
                try Self.run(batch, on: connection)
            }
        } catch {
            // The writer could not be had at all: nothing ran. Take the batch now (it
            // holds this caller's own job) and fail it.
            if batch.isEmpty { batch = state.takeBatch() }
            for job in batch where !job.isFinished { job.finish(failure: error) }
        }
        batches.add(1, ordering: .relaxed)
        committed()
        for job in batch { job.wake(.done) }
        state.handOver()
    }

    /// Commits made so far (each carrying one or more writes); for tests.
    var batchCount: Int { batches.load(ordering: .relaxed) }

    /// One transaction for the whole batch.
    private static func run(_ batch: [PendingWrite], on connection: Connection) throws {
        do {
            try connection.execute("BEGIN IMMEDIATE TRANSACTION")
        } catch {
            for job in batch { job.finish(failure: error) }
            return
        }
        var succeeded: [PendingWrite] = []
        for job in batch {
            job.run(on: connection)
            if job.succeeded { succeeded.append(job) }
            // Some errors roll the whole transaction back (SQLITE_FULL, SQLITE_IOERR, …;
            // https://www.sqlite.org/lang_transaction.html#response_to_errors_within_a_transaction):
            // the writes that had succeeded in it are gone too.
            if !connection.isInsideTransaction {
                let lost = TransactionLost()
                for earlier in succeeded { earlier.finish(failure: lost) }
                succeeded.removeAll()
                do {
                    try connection.execute("BEGIN IMMEDIATE TRANSACTION")
                } catch {
                    for rest in batch where !rest.isFinished { rest.finish(failure: error) }
                    return
                }
            }
        }
        do {
            try connection.execute("COMMIT TRANSACTION")
        } catch {
            if connection.isInsideTransaction { try? connection.execute("ROLLBACK TRANSACTION") }
            for job in succeeded { job.finish(failure: error) }
        }
    }

    private static func inSavepoint<Result>(_ connection: Connection, _ body: (Connection) throws -> Result) throws -> Result {
        try connection.execute("SAVEPOINT write")
        do {
            let result = try body(connection)
            try connection.execute("RELEASE SAVEPOINT write")
            return result
        } catch {
            if connection.isInsideTransaction {
                try? connection.execute("ROLLBACK TO SAVEPOINT write")
                try? connection.execute("RELEASE SAVEPOINT write")
            }
            throw error
        }
    }
}

/// A write of the batch was undone by an error of another write that rolled the whole
/// transaction back; the caller may simply try again.
public struct TransactionLost: Error, CustomStringConvertible {
    public var description: String { "the transaction this write was part of was rolled back by another write's error" }
}

/// The queue of waiting writes and whether someone is leading.
///
/// `@unchecked Sendable`: `waiting` and `leading` are only touched under `lock`.
private final class GroupCommitState: @unchecked Sendable {
    private let lock = NSLock()
    private var waiting: [PendingWrite] = []
    private var leading = false

    /// Queues `job`; true when the caller must lead (nobody was).
    func enqueue(_ job: PendingWrite) -> Bool {
        lock.withLock {
            waiting.append(job)
            if leading { return false }
            leading = true
            return true
        }
    }

    /// The leader's batch: the oldest waiting writes, its own among them (it is the oldest:
    /// the lead only ever goes to the head of the queue).
    func takeBatch() -> [PendingWrite] {
        lock.withLock {
            let count = min(waiting.count, StoreLimits.writesPerCommitMaximum)
            let batch = Array(waiting.prefix(count))
            waiting.removeFirst(count)
            return batch
        }
    }

    /// After a batch: the oldest waiting writer leads next, or nobody leads.
    func handOver() {
        let next: PendingWrite? = lock.withLock {
            guard let first = waiting.first else {
                leading = false
                return nil
            }
            return first
        }
        next?.wake(.lead)
    }
}

/// One caller's write, waiting in the queue.
///
/// `@unchecked Sendable`: `work` and `finished` are written by the leader before `wake`
/// signals the semaphore and read by the caller after its wait returns (the semaphore
/// orders them); `turn` is written under the semaphore's hand-over the same way.
private final class PendingWrite: @unchecked Sendable {
    enum Turn { case done, lead }

    /// Released as soon as it has run: `withoutActuallyEscaping` checks that the caller's
    /// closure is no longer referenced when `write` returns.
    private var work: ((Connection) -> Bool)?
    private var failWith: ((any Error) -> Void)?
    private(set) var isFinished = false
    private(set) var succeeded = false
    private var turn: Turn = .done
    private let signal = DispatchSemaphore(value: 0)

    /// `work` runs the caller's closure and says whether it succeeded; `fail` records an
    /// error that undid it (or kept it from running).
    init(_ work: @escaping (Connection) -> Bool, fail: @escaping (any Error) -> Void) {
        self.work = work
        self.failWith = fail
    }

    func run(on connection: Connection) {
        guard let work else { return }
        succeeded = work(connection)
        self.work = nil
        isFinished = true
    }

    func finish(failure: any Error) {
        failWith?(failure)
        work = nil
        failWith = nil
        isFinished = true
        succeeded = false
    }

    func wake(_ turn: Turn) {
        if turn == .done {
            work = nil
            failWith = nil
        }
        self.turn = turn
        signal.signal()
    }

    func waitForTurn() -> Turn {
        signal.wait()
        return turn
    }
}

/// What a write's closure returned or threw, carried from the leader's thread to the
/// caller's. `@unchecked Sendable`: written before the caller is woken, read after.
private final class Outcome<Value>: @unchecked Sendable {
    var value: Swift.Result<Value, any Error>?
}
