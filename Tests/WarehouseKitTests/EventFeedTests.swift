import Foundation
import GRDB
import Hummingbird
import Testing
import WarehouseKit
import WarehouseTestSupport

/// The outbox and its feed against a real SQLite file: positions, pages, long polls, retention.
@Suite("Event feed", .timeLimit(.minutes(5)))
struct EventFeedTests {
    struct Failure: Error {}

    /// A database with the outbox tables, a group-commit writer that signals commits, and its feed.
    func withFeed(_ body: (DatabasePool, GroupCommitWriter, EventFeed) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let pool = try SQLiteStore.open(path: directory.appendingPathComponent("events.sqlite").path)
            try await pool.write { db in try SQLiteEventStore.createTables(db) }
            let signal = CommitSignal()
            let writer = GroupCommitWriter(pool, onCommit: { signal.signal() })
            try await body(pool, writer, EventFeed(source: "/test", store: SQLiteEventStore(pool), signal: signal))
        }
    }

    func event(_ subject: String, at time: Date = Date()) -> OutboxEvent {
        OutboxEvent(type: EventType.orderPlaced, subject: subject, time: time, data: #"{"id":"\#(subject)"}"#)
    }

    @Test("positions are 1, 2, 3, … in commit order, with no gap where a change rolled back")
    func gapFreeAcrossRollbacks() async throws {
        try await withFeed { _, writer, feed in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        do {
                            try await writer.write { db in
                                try SQLiteEventStore.append(event("o-\(n)"), in: db)
                                // Every third change fails after writing its event: its savepoint takes the
                                // event, and its position, back with it.
                                if n % 3 == 0 { throw Failure() }
                            }
                        } catch is Failure {}
                    }
                }
                try await group.waitForAll()
            }
            let page = try await feed.page(after: 0, limit: 500)
            #expect(page.events.map(\.position) == Array(1...133))
            #expect(Set(page.events.map(\.subject)).count == 133)
            #expect(!page.events.contains { Int($0.subject.dropFirst(2))! % 3 == 0 })
            #expect(page.next == 133 && page.latest == 133)
        }
    }

    @Test("a page starts after the position asked for, and next says where to go on")
    func paging() async throws {
        try await withFeed { _, writer, feed in
            for n in 1...7 { try await writer.write { db in _ = try SQLiteEventStore.append(event("o-\(n)"), in: db) } }
            let first = try await feed.page(after: 0, limit: 3)
            #expect(first.events.map(\.subject) == ["o-1", "o-2", "o-3"])
            #expect(first.next == 3 && first.latest == 7)
            let second = try await feed.page(after: first.next, limit: 500)
            #expect(second.events.map(\.position) == [4, 5, 6, 7])
            let none = try await feed.page(after: 7, limit: 500)
            #expect(none.events.isEmpty && none.next == 7)
        }
    }

    @Test("a long poll answers as soon as an event commits")
    func longPollWakes() async throws {
        try await withFeed { _, writer, feed in
            let reader = Task { try await feed.page(after: 0, limit: 10, wait: .seconds(30)) }
            try await writer.write { db in _ = try SQLiteEventStore.append(event("o-1"), in: db) }
            let page = try await reader.value
            #expect(page.events.map(\.subject) == ["o-1"])
        }
    }

    @Test("a long poll with nothing new answers an empty page when its wait is over")
    func longPollTimesOut() async throws {
        try await withFeed { _, writer, feed in
            try await writer.write { db in _ = try SQLiteEventStore.append(event("o-1"), in: db) }
            let page = try await feed.page(after: 1, limit: 10, wait: .milliseconds(50))
            #expect(page.events.isEmpty && page.next == 1 && page.latest == 1)
        }
    }

    @Test("a commit without events wakes a long poll, which goes on waiting")
    func spuriousWake() async throws {
        try await withFeed { pool, writer, feed in
            try await pool.write { db in try db.execute(sql: "CREATE TABLE other (n INTEGER)") }
            let reader = Task { try await feed.page(after: 0, limit: 10, wait: .seconds(30)) }
            try await writer.write { db in try db.execute(sql: "INSERT INTO other VALUES (1)") }
            try await writer.write { db in _ = try SQLiteEventStore.append(event("o-1"), in: db) }
            #expect(try await reader.value.events.map(\.subject) == ["o-1"])
        }
    }

    @Test("pruning removes the oldest events only, and a reader behind them gets 410")
    func retention() async throws {
        try await withFeed { _, writer, feed in
            let old = Date(timeIntervalSince1970: 1_000_000)
            for n in 1...5 { try await writer.write { db in _ = try SQLiteEventStore.append(event("old-\(n)", at: old), in: db) } }
            // A clock that stepped back: event 7 is "old" but comes after a new one, so it stays.
            try await writer.write { db in _ = try SQLiteEventStore.append(event("new-6"), in: db) }
            try await writer.write { db in _ = try SQLiteEventStore.append(event("old-7", at: old), in: db) }
            var limited = feed.pruner(retention: .seconds(3600), logger: .init(label: "test"))
            limited.batchSize = 2
            #expect(await limited.pruneOnce() == 5)
            #expect(try await feed.page(after: 5, limit: 10).events.map(\.subject) == ["new-6", "old-7"])
            #expect(try await feed.page(after: nil, limit: 10).events.map(\.position) == [6, 7])
            await #expect(throws: EventFeedError.pruned(after: 4, prunedThrough: 5)) {
                try await feed.page(after: 4, limit: 10)
            }
            #expect(EventFeedError.pruned(after: 4, prunedThrough: 5).problem.status == 410)
        }
    }

    @Test("positions go on after every event was pruned")
    func positionsSurvivePruningEverything() async throws {
        try await withFeed { _, writer, feed in
            let old = Date(timeIntervalSince1970: 1_000_000)
            for n in 1...3 { try await writer.write { db in _ = try SQLiteEventStore.append(event("old-\(n)", at: old), in: db) } }
            #expect(try await feed.store.prune(writtenBefore: Date(), limit: 100) == 3)
            let empty = try await feed.page(after: 3, limit: 10)
            #expect(empty.events.isEmpty && empty.latest == 3)
            try await writer.write { db in _ = try SQLiteEventStore.append(event("new-4"), in: db) }
            #expect(try await feed.page(after: 3, limit: 10).events.map(\.position) == [4])
        }
    }

    @Test("a position never given out is refused with 409")
    func ahead() async throws {
        try await withFeed { _, writer, feed in
            try await writer.write { db in _ = try SQLiteEventStore.append(event("o-1"), in: db) }
            await #expect(throws: EventFeedError.ahead(after: 9, latest: 1)) { try await feed.page(after: 9, limit: 10) }
            #expect(EventFeedError.ahead(after: 9, latest: 1).problem.status == 409)
        }
    }

    @Test("a page is a CloudEvents 1.0 envelope per event, with position, in JSON")
    func envelope() throws {
        let stored = StoredEvent(
            position: 42, id: "e-1", type: EventType.orderShipped, subject: "o-\"1\"", time: "2026-12-02T10:00:00.000Z",
            data: #"{"id":"o-\"1\"","status":"shipped"}"#)
        let page = EventPage(source: "/warehouse/order", events: [stored], after: 41, latest: 50)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(page.json)) as? [String: Any])
        #expect(object["next"] as? Int == 42)
        #expect(object["latest"] as? Int == 50)
        let event = try #require((object["events"] as? [[String: Any]])?.first)
        #expect(event["specversion"] as? String == "1.0")
        #expect(event["id"] as? String == "e-1")
        #expect(event["source"] as? String == "/warehouse/order")
        #expect(event["type"] as? String == "com.valerix.order.shipped")
        #expect(event["subject"] as? String == "o-\"1\"")
        #expect(event["time"] as? String == "2026-12-02T10:00:00.000Z")
        #expect(event["datacontenttype"] as? String == "application/json")
        #expect(event["position"] as? Int == 42)
        #expect((event["data"] as? [String: Any])?["status"] as? String == "shipped")
        let decoded = try JSONDecoder.warehouse.decode(FeedPage<[String: String]>.self, from: Data(page.json))
        #expect(decoded.events.first?.data["id"] == "o-\"1\"")
    }

    @Test(
        "the query is checked: digits only, in range",
        arguments: [
            ("after", "-1"), ("after", "abc"), ("after", "+1"), ("after", "1.5"), ("after", ""),
            ("after", "99999999999999999999"), ("limit", "0"), ("limit", "501"), ("limit", "x"),
            ("waitMs", "30001"), ("waitMs", "-5"),
        ])
    func badQuery(name: String, value: String) throws {
        var parameters = Parameters()
        parameters[name[...]] = value[...]
        #expect(throws: RequestError.self) { try EventFeedRoute.Query(parameters) }
    }

    @Test("the query's defaults and bounds")
    func goodQuery() throws {
        #expect(try EventFeedRoute.Query(Parameters()) == .init(after: nil, limit: 100, waitMs: 0))
        var parameters = Parameters()
        parameters["after"] = "0"
        parameters["limit"] = "500"
        parameters["waitMs"] = "30000"
        #expect(try EventFeedRoute.Query(parameters) == .init(after: 0, limit: 500, waitMs: 30000))
    }
}

@Suite("CommitSignal", .timeLimit(.minutes(5)))
struct CommitSignalTests {
    @Test("a signal after the generation was read ends the wait at once")
    func signalBeforeWait() async {
        let signal = CommitSignal()
        let seen = signal.generation
        signal.signal()
        let started = ContinuousClock.now
        await signal.wait(after: seen, until: .now + .seconds(3600))
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("every waiter is woken by one signal")
    func broadcast() async {
        let signal = CommitSignal()
        let seen = signal.generation
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<10 { group.addTask { await signal.wait(after: seen, until: .now + .seconds(3600)) } }
            signal.signal()
        }
    }

    @Test("without a signal the wait lasts until its deadline")
    func deadline() async {
        let signal = CommitSignal()
        let started = ContinuousClock.now
        await signal.wait(after: signal.generation, until: started + .milliseconds(50))
        #expect(ContinuousClock.now - started >= .milliseconds(50))
    }

    @Test("cancelling the waiting task ends the wait")
    func cancellation() async {
        let signal = CommitSignal()
        let waiter = Task { await signal.wait(after: signal.generation, until: .now + .seconds(3600)) }
        waiter.cancel()
        await waiter.value
    }
}
