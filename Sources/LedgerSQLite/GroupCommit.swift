import Foundation
import GRDB
import Synchronization
import LedgerStore

/// Group commit: concurrent write requests are run one after another inside a single
/// transaction, each in its own savepoint, and made durable by one commit (one fsync).
///
/// A caller blocks until the transaction holding its write has committed, so nothing is
/// acknowledged before it is durable; a write that fails rolls back its own savepoint
/// only, and the others in the batch commit.
///
/// A write made `alone` (`strikeledger import`'s batches of thousands of rows) is a
/// transaction of its own, without the savepoint: SQLite keeps the original of every page
/// changed under an open savepoint in a sub-journal, which for an import batch was
/// megabytes written to a temporary file. Writes queued behind it wait for its commit,
/// as they would wait for a batch's.
final class GroupCommit: Sendable {
    /// One write waiting for its batch.
    private final class Job: @unchecked Sendable {
        /// Cleared once run: the caller's closure must not outlive its call.
        var body: ((Database) throws -> [EventKey])?
        var error: (any Error)?
        /// Committed in a transaction of its own, not in a savepoint (see above).
        let alone: Bool
        let done = DispatchSemaphore(value: 0)
        init(alone: Bool, _ body: @escaping (Database) throws -> [EventKey]) {
            self.alone = alone
            self.body = body
        }
    }

    private let pool: DatabasePool
    /// Told the change events of each committed batch, in seq order, on the writer
    /// thread, before any writer of the batch is answered.
    private let didCommit: @Sendable ([EventKey]) -> Void
    private let pending = Mutex<[Job]>([])
    private let wake = DispatchSemaphore(value: 0)
    private let maxBatch: Int
    /// Batches committed and writes in them, for the metrics.
    let batches = Atomic<Int>(0)
    let writes = Atomic<Int>(0)
    /// Whether the last commit failed for want of disk; what readiness reports.
    let health = CommitHealth()

    init(pool: DatabasePool, maxBatch: Int = 64, didCommit: @escaping @Sendable ([EventKey]) -> Void = { _ in }) {
        self.pool = pool
        self.didCommit = didCommit
        self.maxBatch = maxBatch
        // The thread holds the batcher only while it works, and ends once the store is gone.
        let thread = Thread { [weak self] in
            while let batcher = self { batcher.runOnce() }
        }
        thread.name = "strikeledger-writer"
        thread.start()
    }

    /// Runs `body` in the next batch and returns its result once the batch has committed;
    /// the change events it appended are published with the batch's. With `alone`, the
    /// write is a transaction of its own and a failure undoes all of it.
    func write<T>(alone: Bool = false, _ body: (Database) throws -> (T, [EventKey])) throws -> T {
        try withoutActuallyEscaping(body) { body in
            var result: T?
            let job = Job(alone: alone) { db in
                let (value, events) = try body(db)
                result = value
                return events
            }
            let first = pending.withLock { jobs -> Bool in
                jobs.append(job)
                return jobs.count == 1
            }
            if first { wake.signal() }
            job.done.wait()
            if let error = job.error { throw error }
            return result!
        }
    }

    private func runOnce() {
        guard wake.wait(timeout: .now() + .milliseconds(500)) == .success else { return }
        while true {
                let batch = pending.withLock { jobs -> [Job] in
                    // A write made alone is a batch of its own; a batch stops before one.
                    let taken = jobs.first?.alone == true ? [jobs[0]] : Array(jobs.prefix(maxBatch).prefix { !$0.alone })
                    jobs.removeFirst(taken.count)
                    return taken
                }
                if batch.isEmpty { break }
                commit(batch)
        }
    }

    private func commit(_ batch: [Job]) {
        var events: [EventKey] = []
        var wrote = false
        do {
            try pool.write { db in
                for job in batch {
                    guard let body = job.body else { continue }
                    do {
                        var appended: [EventKey] = []
                        if job.alone {
                            appended = try body(db)
                        } else {
                            try db.inSavepoint {
                                appended = try body(db)
                                return .commit
                            }
                        }
                        events += appended
                        wrote = true
                    } catch {
                        let cause = StorageFailure.classify(error) { StorageFailure.systemErrno(of: db) }
                        job.error = cause
                        // SQLite rolls the whole transaction back on some errors (a full
                        // disk, an I/O error): the batch's earlier writes are gone with it,
                        // and a later savepoint would run in a transaction of its own.
                        // A write made alone has no savepoint: the transaction is its undo.
                        if job.alone || !db.isInsideTransaction { throw cause }
                    }
                }
            }
        } catch {
            // The commit itself failed: nothing of the batch is durable.
            var cause = error
            if case StoreError.storageFull = error {} else {
                cause = StorageFailure.classify(error) {
                    pool.writeWithoutTransaction { db in StorageFailure.systemErrno(of: db) }
                }
            }
            for job in batch where job.error == nil { job.error = cause }
            events = []
            wrote = false
        }
        for job in batch {
            job.body = nil
            if let e = job.error as? StoreError { health.failed(e) }
        }
        if wrote { health.committed() }
        // Counted after the commit and before any writer is answered: a reader that saw
        // the old count cannot have seen this batch's data as current.
        batches.add(1, ordering: .sequentiallyConsistent)
        // Published here, in commit order, so the feed's head never passes an event
        // that is committed but not yet known to the hub.
        if !events.isEmpty { didCommit(events.sorted { $0.seq < $1.seq }) }
        writes.add(batch.count, ordering: .relaxed)
        for job in batch { job.done.signal() }
    }
}
