import GRDB
import Synchronization

/// Runs the short write transactions of concurrent requests together, as one SQLite transaction with
/// one commit: "group commit".
///
/// With `synchronous = FULL` every commit waits for an fsync, and one commit per request kept the writer
/// busy with the disk and the order service's cores busy with transaction bookkeeping (perf, issue 6).
/// Here callers queue their work; whoever finds the queue idle starts a drain on the database's writer,
/// which runs everything queued — up to `maxBatch` at a time — in one transaction, then resumes every
/// caller of that batch, and goes on while work keeps arriving.
///
/// The guarantees are those of one transaction per caller:
/// - Each caller's work runs in its own savepoint, in arrival order, and sees the writes of the work
///   queued before it. When it throws, only its own writes are undone and only its caller gets the error.
/// - No caller hears back before the transaction holding its work has committed. If the commit fails,
///   every caller in the batch gets the error and nothing of the batch is stored.
///
/// The work runs on the writer's queue, between other callers' work: it must be short and must not
/// wait. A cancelled caller still waits for its batch, so it never leaves not knowing what was stored.
package final class GroupCommitWriter: Sendable {
    package let writer: any DatabaseWriter
    private let maxBatch: Int
    /// Called on the writer's queue after each commit, before the callers of the batch resume: the
    /// place to wake whoever waits for what was committed (a feed's long polls).
    private let onCommit: @Sendable () -> Void
    private let queue = Mutex(Queue())

    private struct Queue {
        var jobs: [Job] = []
        var draining = false
    }

    package init(_ writer: any DatabaseWriter, maxBatch: Int = 256, onCommit: @escaping @Sendable () -> Void = {}) {
        precondition(maxBatch > 0, "a batch holds at least one job")
        self.writer = writer
        self.maxBatch = maxBatch
        self.onCommit = onCommit
    }

    /// How many callers wait for a batch to start.
    package var queuedJobs: Int { queue.withLock { $0.jobs.count } }

    /// Runs `work` in a transaction shared with other callers' and returns its result once that
    /// transaction has committed.
    package func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(work: work, continuation: continuation)
            let startDrain = queue.withLock { queue in
                queue.jobs.append(job)
                defer { queue.draining = true }
                return !queue.draining
            }
            if startDrain {
                writer.asyncWriteWithoutTransaction { db in self.drain(db) }
            }
        }
    }

    /// Commits batch after batch until the queue is empty; runs on the writer's queue.
    private func drain(_ db: Database) {
        while let batch = nextBatch() {
            do {
                try db.inTransaction(.immediate) {
                    for job in batch {
                        job.perform(db)
                        // Some errors (a full disk, say) make SQLite roll back the whole transaction.
                        guard db.isInsideTransaction else { throw GroupCommitError.transactionRolledBack }
                    }
                    return .commit
                }
                onCommit()
                for job in batch { job.finish(commitError: nil) }
            } catch {
                for job in batch { job.finish(commitError: error) }
            }
        }
    }

    /// Takes up to `maxBatch` jobs; when there are none, marks the drain over in the same step, so a job
    /// queued a moment later starts a new one.
    private func nextBatch() -> [Job]? {
        queue.withLock { queue in
            guard !queue.jobs.isEmpty else {
                queue.draining = false
                return nil
            }
            let count = min(maxBatch, queue.jobs.count)
            let batch = Array(queue.jobs.prefix(count))
            queue.jobs.removeFirst(count)
            return batch
        }
    }
}

/// The transaction a batch ran in ended before its commit.
package enum GroupCommitError: Error {
    case transactionRolledBack
}

/// One caller's work and the continuation waiting for it.
///
/// `@unchecked Sendable`: `perform` and `finish` run only on the writer's queue, one job after another,
/// so the result slot is never touched from two threads at once.
private final class Job: @unchecked Sendable {
    private let run: (Database) -> Void
    private let resume: (_ commitError: (any Error)?) -> Void

    init<T: Sendable>(
        work: @escaping @Sendable (Database) throws -> T,
        continuation: CheckedContinuation<T, any Error>
    ) {
        let slot = ResultSlot<T>()
        run = { db in
            slot.result = Result {
                var value: T?
                try db.inSavepoint {
                    value = try work(db)
                    return .commit
                }
                guard let value else { throw GroupCommitError.transactionRolledBack }
                return value
            }
        }
        resume = { commitError in
            if let commitError {
                continuation.resume(throwing: commitError)
            } else {
                continuation.resume(with: slot.result ?? .failure(GroupCommitError.transactionRolledBack))
            }
        }
    }

    func perform(_ db: Database) { run(db) }

    func finish(commitError: (any Error)?) { resume(commitError) }
}

/// Where a job keeps its result between running and being committed.
private final class ResultSlot<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
