import Foundation
import GRDB
import Synchronization
import Testing
import WarehouseKit
import WarehouseTestSupport

/// Group commit against a real SQLite file: callers share transactions, yet each keeps the all-or-nothing
/// of its own.
@Suite("GroupCommitWriter", .timeLimit(.minutes(5)))
struct GroupCommitWriterTests {
    struct Failure: Error, Equatable {}

    /// A database with a table of numbers, a writer over it, and a count of the commits it made.
    func withWriter(
        maxBatch: Int = 256,
        _ body: (_ pool: DatabasePool, _ writer: GroupCommitWriter, _ commits: CommitCounter) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let pool = try SQLiteStore.open(path: directory.appendingPathComponent("numbers.sqlite").path)
            try await pool.write { db in try db.execute(sql: "CREATE TABLE numbers (n INTEGER PRIMARY KEY)") }
            let commits = CommitCounter()
            try await pool.writeWithoutTransaction { db in db.add(transactionObserver: commits) }
            try await body(pool, GroupCommitWriter(pool, maxBatch: maxBatch), commits)
        }
    }

    func stored(_ pool: DatabasePool) async throws -> [Int] {
        try await pool.read { db in try Int.fetchAll(db, sql: "SELECT n FROM numbers ORDER BY n") }
    }

    /// Holds the database's writer until `release`, so that callers queue up behind it.
    func holdWriter(_ pool: DatabasePool) -> DispatchSemaphore {
        let release = DispatchSemaphore(value: 0)
        pool.asyncWriteWithoutTransaction { _ in release.wait() }
        return release
    }

    func waitUntilQueued(_ count: Int, on writer: GroupCommitWriter) async {
        while writer.queuedJobs < count { await Task.yield() }
    }

    @Test("every caller gets its own result, after a commit")
    func results() async throws {
        try await withWriter { pool, writer, _ in
            let doubled = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 1...200 {
                    group.addTask {
                        try await writer.write { db in
                            try db.execute(sql: "INSERT INTO numbers (n) VALUES (?)", arguments: [n])
                            return n * 2
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(doubled.sorted() == (1...200).map { $0 * 2 })
            let numbers = try await stored(pool)
            #expect(numbers == Array(1...200))
        }
    }

    @Test("callers queued behind a busy writer share one transaction, at most maxBatch to a commit")
    func batches() async throws {
        try await withWriter(maxBatch: 4) { pool, writer, commits in
            let release = holdWriter(pool)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 1...10 {
                    group.addTask {
                        try await writer.write { db in try db.execute(sql: "INSERT INTO numbers (n) VALUES (?)", arguments: [n]) }
                    }
                }
                await waitUntilQueued(10, on: writer)
                release.signal()
                try await group.waitForAll()
            }
            let numbers = try await stored(pool)
            #expect(numbers == Array(1...10))
            #expect(commits.count == 3)  // 4 + 4 + 2
        }
    }

    @Test("a caller that throws loses only its own writes, and only it hears of it")
    func isolation() async throws {
        try await withWriter { pool, writer, commits in
            let release = holdWriter(pool)
            let outcomes = await withTaskGroup(of: (Int, Result<Int, Failure>).self) { group in
                for n in 1...3 {
                    group.addTask {
                        do {
                            return (
                                n,
                                .success(
                                    try await writer.write { db in
                                        try db.execute(sql: "INSERT INTO numbers (n) VALUES (?)", arguments: [n])
                                        if n == 2 { throw Failure() }
                                        return n
                                    })
                            )
                        } catch {
                            return (n, .failure(Failure()))
                        }
                    }
                }
                await waitUntilQueued(3, on: writer)
                release.signal()
                return await group.reduce(into: [Int: Result<Int, Failure>]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes == [1: .success(1), 2: .failure(Failure()), 3: .success(3)])
            let numbers = try await stored(pool)
            #expect(numbers == [1, 3])
            #expect(commits.count == 1)
        }
    }

    @Test("when the shared transaction is lost, every caller of the batch gets an error and nothing is stored")
    func lostTransaction() async throws {
        try await withWriter { pool, writer, _ in
            let release = holdWriter(pool)
            let failures = await withTaskGroup(of: Bool.self) { group in
                for n in 1...3 {
                    group.addTask {
                        do {
                            try await writer.write { db in
                                try db.execute(sql: "INSERT INTO numbers (n) VALUES (?)", arguments: [n])
                                // What SQLite does on its own after a full disk or an I/O error.
                                if n == 3 { try db.execute(sql: "ROLLBACK") }
                            }
                            return false
                        } catch {
                            return true
                        }
                    }
                }
                await waitUntilQueued(3, on: writer)
                release.signal()
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(failures == 3)
            let numbers = try await stored(pool)
            #expect(numbers == [])
            // The writer is still usable afterwards.
            try await writer.write { db in try db.execute(sql: "INSERT INTO numbers (n) VALUES (4)") }
            let afterwards = try await stored(pool)
            #expect(afterwards == [4])
        }
    }
}

/// Counts committed transactions.
final class CommitCounter: TransactionObserver, @unchecked Sendable {
    private let commits = Mutex(0)
    var count: Int { commits.withLock { $0 } }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { eventKind.tableName == "numbers" }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { commits.withLock { $0 += 1 } }
    func databaseDidRollback(_ db: Database) {}
}
