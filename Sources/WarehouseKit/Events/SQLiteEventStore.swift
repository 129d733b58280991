import Foundation
import GRDB

/// The transactional outbox in a service's SQLite database: the `events` table a publisher appends to
/// inside the transaction of each change, and the feed's reads and pruning.
///
/// Positions are gap-free and in commit order because they are assigned inside the writing
/// transaction, under SQLite's single write lock: `position` is an `AUTOINCREMENT` key, so each new
/// event takes one more than the largest ever given out (kept in `sqlite_sequence`, a table written in
/// the same transaction). A transaction or savepoint that rolls back takes its numbers back with it, and
/// no later transaction can commit a smaller position than an earlier one did. So a reader that has
/// read up to position P finds every event committed later after P. (docs/DESIGN-NOTES.md: why this is
/// not so with a PostgreSQL sequence, and what that backend must do instead.)
package struct SQLiteEventStore: EventStore {
    package let writer: any DatabaseWriter

    package init(_ writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// The outbox tables; a publisher's migration calls this once.
    package static func createTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE events (
                    position INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    time TEXT NOT NULL,
                    data TEXT NOT NULL
                );
                -- How far the feed has been pruned: a reader behind this has missed events.
                CREATE TABLE eventFeed (
                    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                    prunedThrough INTEGER NOT NULL
                );
                INSERT INTO eventFeed (singleton, prunedThrough) VALUES (1, 0);
                """)
    }

    /// Appends `event` in the caller's transaction, so it commits exactly when the change it describes
    /// does. Returns its position.
    @discardableResult
    package static func append(_ event: OutboxEvent, in db: Database) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO events (id, type, subject, time, data) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [event.id, event.type, event.subject, UTCTimestamp.iso8601(event.time), event.data])
        return db.lastInsertedRowID
    }

    package func read(after position: Int64?, limit: Int) async throws -> EventRead {
        try await writer.read { db in
            let prunedThrough = try Int64.fetchOne(db, sql: "SELECT prunedThrough FROM eventFeed") ?? 0
            let after = position ?? prunedThrough
            if after < prunedThrough { return .pruned(after: after, prunedThrough: prunedThrough) }
            let newest = try Int64.fetchOne(db, sql: "SELECT max(position) FROM events") ?? 0
            let latest = max(newest, prunedThrough)
            if after > latest { return .ahead(after: after, latest: latest) }
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT position, id, type, subject, time, data FROM events WHERE position > ? ORDER BY position LIMIT ?"),
                arguments: [after, limit]
            )
            return .events(
                rows.map {
                    StoredEvent(position: $0[0], id: $0[1], type: $0[2], subject: $0[3], time: $0[4], data: $0[5])
                },
                after: after,
                latest: latest
            )
        }
    }

    package func prune(writtenBefore cutoff: Date, limit: Int) async throws -> Int {
        let cutoffText = UTCTimestamp.iso8601(cutoff)
        return try await writer.write { db in
            // Only a prefix of the feed goes: the oldest events, up to the first one still kept. Times
            // almost always grow with positions; where a clock stepped back, an event waits for its
            // successors' time to come rather than leave a hole behind it.
            let oldest = try Row.fetchAll(
                db, sql: "SELECT position, time FROM events ORDER BY position LIMIT ?", arguments: [limit])
            let expired = oldest.prefix { ($0[1] as String) < cutoffText }
            guard let last: Int64 = expired.last.map({ $0[0] }) else { return 0 }
            try db.execute(sql: "DELETE FROM events WHERE position <= ?", arguments: [last])
            try db.execute(sql: "UPDATE eventFeed SET prunedThrough = ?", arguments: [last])
            return expired.count
        }
    }
}
