import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Commits the short writes of concurrent requests together, several in one PostgreSQL transaction:
/// the equivalent of `GroupCommitWriter` for SQLite.
///
/// Callers queue their work; up to `maxDrains` drains, each on a pooled connection of its own, take
/// what is queued (up to `maxBatch` at a time) and run it in one transaction, then resume every caller
/// of that batch. Positions of the feed are handed out once per batch, just before its commit, so the
/// feed's counter row is locked once per batch rather than once per request.
///
/// Guarantees, as with one transaction per caller:
/// - No caller hears back before the transaction holding its work has committed.
/// - A batch runs without savepoints (each costs two round trips). When any work of a batch throws,
///   or PostgreSQL aborts the batch (a serialization failure, a deadlock), the batch is rolled back and
///   each work of it runs again alone, in its own transaction, retried while PostgreSQL aborts it: a
///   work that throws fails only its own caller, and nobody sees a transient abort. Work must therefore
///   do nothing but its statements (it may run more than once before it commits once).
/// - Every batch first takes the advisory locks its works name (`locks`), all at once in a fixed order,
///   so two batches that write the same rows (a hot SKU, one order) queue instead of deadlocking.
/// - A caller waits at most `timeout` for its work to start; work that has not started by then never
///   will, and the caller gets `DatabaseUnavailable`. Work that has started is waited for: its
///   connection fails as soon as the server goes away.
package final class PostgresGroupCommit: Sendable {
    private let client: PostgresClient
    private let logger: Logger
    private let maxBatch: Int
    private let maxDrains: Int
    /// Where commits that wrote events are notified (`PostgresEventStore.channel`).
    private let eventChannel: String
    /// Called after a commit that wrote events: the feed's long polls wait on it.
    private let onEvents: @Sendable () -> Void
    private let state = Mutex(State())
    private static let maxTries = 8

    private struct State {
        var queue: [Job] = []
        var drains = 0
    }

    package init(
        client: PostgresClient, logger: Logger, eventChannel: String, maxBatch: Int = 128, maxDrains: Int = 4,
        onEvents: @escaping @Sendable () -> Void = {}
    ) {
        self.client = client
        self.eventChannel = eventChannel
        self.logger = logger
        self.maxBatch = maxBatch
        self.maxDrains = maxDrains
        self.onEvents = onEvents
    }

    /// Runs `work` in a transaction shared with other callers' and returns its result once that
    /// transaction has committed.
    package func write<T: Sendable>(
        _ work: @escaping @Sendable (PostgresTransaction) async throws -> T,
        locks: [String] = [],
        timeout: Duration,
        unavailable: @escaping @Sendable (String) -> DatabaseUnavailable
    ) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let job = Job(locks: locks, work: { try await work($0) }, continuation: continuation)
            // Not started in time: it never will be.
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .milliseconds(Int64(timeout.milliseconds))) {
                job.abandon(unavailable("no connection within \(Int(timeout.milliseconds)) ms"))
            }
            job.onFinish { timer.cancel() }
            let startDrain = state.withLock { state in
                state.queue.append(job)
                guard state.drains < maxDrains else { return false }
                state.drains += 1
                return true
            }
            if startDrain { Task { await self.drain(unavailable: unavailable) } }
        }
        // The work's own value, typed by the caller's closure.
        return value as! T
    }

    /// Leases a connection and runs batch after batch on it until the queue is empty.
    private func drain(unavailable: @escaping @Sendable (String) -> DatabaseUnavailable) async {
        var leased = false
        do {
            try await client.withConnection { connection in
                leased = true
                while let batch = self.nextBatch() {
                    await self.commit(batch, on: connection)
                    // A broken connection goes back to the pool, which drops it; go on with another.
                    if connection.isClosed { throw PostgresGroupCommitError.connectionLost }
                }
            }
        } catch {
            let restart = state.withLock { state -> Bool in
                state.drains -= 1
                guard !state.queue.isEmpty, state.drains < maxDrains else { return false }
                state.drains += 1
                return true
            }
            guard restart else { return }
            if leased {
                await drain(unavailable: unavailable)
            } else {
                // No connection to be had (the pool gave up on the server): the queued writes fail now
                // rather than at their timeout, and the next write tries again.
                let stranded = state.withLock { state -> [Job] in
                    state.drains -= 1
                    defer { state.queue.removeAll() }
                    return state.queue
                }
                for job in stranded { job.abandon(unavailable(PostgresErrors.describe(error))) }
            }
        }
    }

    /// Up to `maxBatch` queued jobs that are still wanted; nil (and one drain fewer) when none is queued.
    private func nextBatch() -> [Job]? {
        while true {
            let taken = state.withLock { state -> [Job]? in
                guard !state.queue.isEmpty else {
                    state.drains -= 1
                    return nil
                }
                let count = min(maxBatch, state.queue.count)
                defer { state.queue.removeFirst(count) }
                return Array(state.queue.prefix(count))
            }
            guard let taken else { return nil }
            let batch = taken.filter { $0.start() }
            if !batch.isEmpty { return batch }
        }
    }

    /// Runs `batch` in one transaction; on any failure, each job again alone.
    private func commit(_ batch: [Job], on connection: PostgresConnection) async {
        let transaction = PostgresTransaction(connection: connection, logger: logger)
        do {
            let wroteEvents = try await inTransaction(transaction, locks: batch.flatMap(\.locks)) {
                for job in batch { try await job.run(transaction) }
            }
            if wroteEvents { onEvents() }
            for job in batch { job.finish(nil) }
        } catch where PostgresErrors.isConnectionFailure(error) || connection.isClosed {
            for job in batch { job.finish(.failure(error)) }
        } catch {
            for job in batch { await commitAlone(job, on: connection) }
        }
    }

    /// Runs one job in a transaction of its own, again while PostgreSQL aborts it for a conflict.
    private func commitAlone(_ job: Job, on connection: PostgresConnection) async {
        var tries = 0
        while true {
            tries += 1
            let transaction = PostgresTransaction(connection: connection, logger: logger)
            do {
                if try await inTransaction(transaction, locks: job.locks, { try await job.run(transaction) }) { onEvents() }
                job.finish(nil)
                return
            } catch where PostgresErrors.isTransient(error) && tries < Self.maxTries && !connection.isClosed {
                logger.debug("transaction aborted by a conflict; running it again", metadata: ["try": "\(tries)"])
                try? await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * tries))))
            } catch {
                job.finish(.failure(error))
                return
            }
        }
    }

    /// BEGIN, the locks, `body`, the events' positions, COMMIT; ROLLBACK when anything throws.
    /// Returns whether events were written.
    private func inTransaction(
        _ transaction: PostgresTransaction, locks: [String], _ body: () async throws -> Void
    ) async throws -> Bool {
        let connection = transaction.connection
        try await connection.query("BEGIN", logger: logger)
        do {
            if !locks.isEmpty {
                // One global order (by hash) for every batch of every process: no two can wait on each other.
                try await transaction.query(
                    """
                    SELECT pg_advisory_xact_lock(h) FROM (
                        SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(\(locks)::text[]) AS k ORDER BY h) AS ordered
                    """)
            }
            try await body()
            let events = transaction.takeEvents()
            if !events.isEmpty { try await PostgresEventStore.write(events, notifying: eventChannel, in: transaction) }
            try await connection.query("COMMIT", logger: logger)
            return !events.isEmpty
        } catch {
            if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
            throw error
        }
    }
}

/// One caller's work, its result, and the continuation waiting for it.
private final class Job: Sendable {
    let locks: [String]
    private let work: @Sendable (PostgresTransaction) async throws -> any Sendable
    private let state: Mutex<State>

    private struct State {
        var phase = Phase.queued
        var result: Result<any Sendable, any Error>?
        var continuation: CheckedContinuation<any Sendable, any Error>?
        var onFinish: (@Sendable () -> Void)?
    }

    private enum Phase { case queued, running, finished }

    init(
        locks: [String], work: @escaping @Sendable (PostgresTransaction) async throws -> any Sendable,
        continuation: CheckedContinuation<any Sendable, any Error>
    ) {
        self.locks = locks
        self.work = work
        self.state = Mutex(State(continuation: continuation))
    }

    /// Called when the job finishes, whichever way.
    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let finished = state.withLock { state in
            state.onFinish = action
            return state.phase == .finished
        }
        if finished { action() }
    }

    /// Marks the job started; false when its caller has given up on it.
    func start() -> Bool {
        state.withLock { state in
            guard state.phase == .queued else { return false }
            state.phase = .running
            return true
        }
    }

    /// Its caller's wait is over: fails it with `error` unless it has started.
    func abandon(_ error: any Error) {
        let abandoned = state.withLock { state in
            guard state.phase == .queued else { return false }
            state.phase = .finished
            return true
        }
        if abandoned { resume(.failure(error)) }
    }

    /// Runs the work in `transaction`, keeping its value (or error) for `finish`.
    func run(_ transaction: PostgresTransaction) async throws {
        do {
            let value = try await work(transaction)
            state.withLock { $0.result = .success(value) }
        } catch {
            state.withLock { $0.result = .failure(error) }
            throw error
        }
    }

    /// Resumes the caller: with `outcome` when given, else with what the work returned.
    func finish(_ outcome: Result<any Sendable, any Error>?) {
        let result = state.withLock { state -> Result<any Sendable, any Error> in
            state.phase = .finished
            return outcome ?? state.result ?? .failure(PostgresGroupCommitError.noResult)
        }
        resume(result)
    }

    private func resume(_ result: Result<any Sendable, any Error>) {
        let (continuation, action) = state.withLock { state in
            defer { (state.continuation, state.onFinish) = (nil, nil) }
            return (state.continuation, state.onFinish)
        }
        continuation?.resume(with: result)
        action?()
    }
}

package enum PostgresGroupCommitError: Error {
    /// A batch committed without running one of its jobs (a bug, never expected).
    case noResult
    /// The drain's connection broke.
    case connectionLost
}
