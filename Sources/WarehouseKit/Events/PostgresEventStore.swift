import Foundation
import PostgresNIO

/// The transactional outbox in a service's PostgreSQL schema: the `events` table and the feed's reads
/// and pruning.
///
/// Positions are gap-free and in commit order, although PostgreSQL commits concurrent transactions in
/// any order: a sequence hands out 7 to T1 and 8 to T2, T2 commits, a reader reads up to 8, T1 commits
/// 7 behind it and the reader never sees it. So positions come from a counter row (`eventFeed.latest`),
/// moved by the number of events as the last statement before the commit (`PostgresGroupCommit`). The
/// row lock is held until the commit, so the next transaction gets its positions only once this one is
/// visible: commits happen in position order, and a rolled-back transaction gives its numbers back. A
/// reader's snapshot therefore always holds a prefix of the positions. The lock is taken once per group
/// commit, not once per request, and held for the commit alone.
///
/// The same statement notifies `<schema>.events` (delivered at commit): every replica listens, so a long
/// poll served by one replica wakes when another commits (`PostgresCommitListener`).
package struct PostgresEventStore: EventStore {
    package let database: PostgresSchema

    package init(_ database: PostgresSchema) {
        self.database = database
    }

    /// The outbox's tables, for a publisher's migration.
    package static let createTables = [
        """
        CREATE TABLE events (
            position bigint PRIMARY KEY,
            id text NOT NULL,
            type text NOT NULL,
            subject text NOT NULL,
            time text NOT NULL,
            data text NOT NULL)
        """,
        """
        CREATE TABLE eventFeed (
            singleton integer PRIMARY KEY CHECK (singleton = 1),
            latest bigint NOT NULL,
            prunedThrough bigint NOT NULL)
        """,
        "INSERT INTO eventFeed (singleton, latest, prunedThrough) VALUES (1, 0, 0)",
    ]

    /// The channel a schema's commits with events are notified on.
    package static func channel(schema: String) -> String { "\(schema).events" }

    /// Gives `events` the next positions and stores them, in `transaction`: its last statement before
    /// the commit.
    static func write(_ events: [OutboxEvent], notifying channel: String, in transaction: PostgresTransaction) async throws {
        let count = events.count
        try await transaction.query(
            """
            WITH feed AS (UPDATE eventFeed SET latest = latest + \(count) RETURNING latest),
            stored AS (
                INSERT INTO events (position, id, type, subject, time, data)
                SELECT feed.latest - \(count) + e.ordinal, e.id, e.type, e.subject, e.time, e.data
                FROM feed, unnest(\(events.map(\.id))::text[], \(events.map(\.type))::text[], \(events.map(\.subject))::text[],
                                  \(events.map { UTCTimestamp.iso8601($0.time) })::text[], \(events.map(\.data))::text[])
                     WITH ORDINALITY AS e(id, type, subject, time, data, ordinal)
                RETURNING 1)
            SELECT pg_notify(\(channel), latest::text) FROM feed
            """)
    }

    package func read(after position: Int64?, limit: Int) async throws -> EventRead {
        // One statement, one snapshot: the feed's bounds and its events agree.
        let rows = try await database.query(
            """
            SELECT f.prunedThrough, f.latest, e.position, e.id, e.type, e.subject, e.time, e.data
            FROM eventFeed f
            LEFT JOIN LATERAL (
                SELECT * FROM events WHERE position > coalesce(\(position), f.prunedThrough) ORDER BY position LIMIT \(limit)
            ) e ON true
            """)
        var prunedThrough: Int64 = 0
        var latest: Int64 = 0
        var events: [StoredEvent] = []
        for row in rows {
            let (pruned, newest, eventPosition, id, type, subject, time, data) = try row.decode(
                (Int64, Int64, Int64?, String?, String?, String?, String?, String?).self)
            (prunedThrough, latest) = (pruned, newest)
            if let eventPosition, let id, let type, let subject, let time, let data {
                events.append(StoredEvent(position: eventPosition, id: id, type: type, subject: subject, time: time, data: data))
            }
        }
        let after = position ?? prunedThrough
        if after < prunedThrough { return .pruned(after: after, prunedThrough: prunedThrough) }
        if after > latest { return .ahead(after: after, latest: latest) }
        return .events(events, after: after, latest: latest)
    }

    package func prune(writtenBefore cutoff: Date, limit: Int) async throws -> Int {
        let cutoffText = UTCTimestamp.iso8601(cutoff)
        return try await database.write(locks: ["events.prune"]) { transaction in
            // Only a prefix of the feed goes, up to the first event still kept (see SQLiteEventStore).
            var last: Int64?
            var count = 0
            for row in try await transaction.query("SELECT position, time FROM events ORDER BY position LIMIT \(limit)") {
                let (position, time) = try row.decode((Int64, String).self)
                guard time < cutoffText else { break }
                (last, count) = (position, count + 1)
            }
            guard let last else { return 0 }
            try await transaction.query("DELETE FROM events WHERE position <= \(last)")
            try await transaction.query("UPDATE eventFeed SET prunedThrough = \(last)")
            return count
        }
    }
}
