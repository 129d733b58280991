import Foundation
import GRDB
import WarehouseKit

/// The order service's SQLite database: schema (migrations run at open) and the transactions on it.
///
/// Every change of an order's state writes its event to the outbox (`events`) in the same transaction:
/// `placed` with the insert, `shipped` or `rejected` with the settlement, `delayed` with the first
/// postponement. So an event exists exactly when its change committed.
package struct SQLiteOrderRepository: OrderRepository {
    package let writer: any DatabaseWriter
    /// The writes made while requests wait on them, committed together (see `GroupCommitWriter`).
    private let commits: GroupCommitWriter

    /// - Parameter commitSignal: signalled after every group commit, for the feed's long polls.
    package init(_ writer: any DatabaseWriter, commitSignal: CommitSignal = CommitSignal()) throws {
        self.writer = writer
        self.commits = GroupCommitWriter(writer, onCommit: { commitSignal.signal() })
        try Self.migrator.migrate(writer)
    }

    /// The schema, version by version (a test migrates a database of the first version).
    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: orders") { db in
            try db.create(table: "orders") { t in
                t.primaryKey("id", .text)
                t.column("customerId", .text).notNull()
                t.column("items", .jsonText).notNull()
                t.column("status", .text).notNull().check { ["pending", "shipped", "rejected"].contains($0) }
                t.column("message", .text).notNull()
                t.column("reason", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                // A client's Idempotency-Key: one order per key, ever (until pruned).
                t.column("idempotencyKey", .text).unique()
                t.column("fingerprint", .text)
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("retryAt", .datetime)
            }
            try db.create(index: "orders_by_creation", on: "orders", columns: ["createdAt"])
            // Only pending orders carry a retryAt, so the reconciler's scan stays small.
            try db.execute(sql: "CREATE INDEX orders_due ON orders (retryAt) WHERE status = 'pending'")
        }
        migrator.registerMigration("v2: ordinals") { db in
            // Each order's place among all stored orders, in a column of its own: SQLite's rowid is no
            // part of the contract (VACUUM may renumber it) and another backend has none.
            try db.execute(sql: "ALTER TABLE orders ADD COLUMN ordinal INTEGER")
            try db.execute(sql: "UPDATE orders SET ordinal = rowid")
            try db.execute(sql: "CREATE UNIQUE INDEX orders_by_ordinal ON orders (ordinal)")
            // Newest first, ties in the order they were stored.
            try db.execute(sql: "DROP INDEX orders_by_creation")
            try db.execute(sql: "CREATE INDEX orders_by_creation ON orders (createdAt, ordinal)")
        }
        migrator.registerMigration("v3: when a pending order was last tried") { db in
            // A try that began before inventory came back from an outage failed because of the outage:
            // the reconciler tries such orders again at once, oldest first, whatever their backoff.
            try db.alter(table: "orders") { t in t.add(column: "triedAt", .datetime) }
            try db.execute(sql: "CREATE INDEX orders_pending_by_age ON orders (createdAt, ordinal) WHERE status = 'pending'")
        }
        migrator.registerMigration("v4: events") { db in
            try SQLiteEventStore.createTables(db)
        }
        return migrator
    }

    package func insert(_ order: Order, idempotencyKey: String?, fingerprint: String?, retryAt: Date) async throws -> StoredOrder
    {
        let items = JSONText.lines(order.items.lazy.map { ($0.sku, $0.quantity) })
        do {
            return try await insert(
                order, items: items, idempotencyKey: idempotencyKey, fingerprint: fingerprint, retryAt: retryAt)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            throw OrderStoreError.idTaken
        }
    }

    private func insert(
        _ order: Order,
        items: String,
        idempotencyKey: String?,
        fingerprint: String?,
        retryAt: Date
    ) async throws -> StoredOrder {
        try await commits.write { db in
            if let idempotencyKey, let existing = try Self.fetchStored(db, idempotencyKey: idempotencyKey) {
                return existing
            }
            let ordinal = try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        INSERT INTO orders (id, customerId, items, status, message, reason, createdAt, updatedAt,
                                            idempotencyKey, fingerprint, attempts, retryAt, ordinal)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, (SELECT coalesce(max(ordinal), 0) + 1 FROM orders))
                        RETURNING ordinal
                        """),
                arguments: [
                    order.id, order.customerId, items, order.status.rawValue, order.message, order.reason,
                    UTCTimestamp.sqlite(order.createdAt), UTCTimestamp.sqlite(order.updatedAt), idempotencyKey,
                    fingerprint, UTCTimestamp.sqlite(retryAt),
                ]
            )
            try SQLiteEventStore.append(OrderEvents.event(EventType.orderPlaced, for: order, at: order.createdAt), in: db)
            return StoredOrder(order: order, fingerprint: fingerprint, inserted: true, ordinal: ordinal)
        }
    }

    package func order(id: String) async throws -> Order? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM orders WHERE id = ?", arguments: [id]).map(Self.order(from:))
        }
    }

    package func order(idempotencyKey: String) async throws -> StoredOrder? {
        try await writer.read { db in try Self.fetchStored(db, idempotencyKey: idempotencyKey) }
    }

    package func orders(status: OrderStatus?, limit: Int, offset: Int) async throws -> [Order] {
        try await writer.read { db in
            let rows =
                if let status {
                    try Row.fetchAll(
                        db,
                        sql: "SELECT * FROM orders WHERE status = ? ORDER BY createdAt DESC, ordinal DESC LIMIT ? OFFSET ?",
                        arguments: [status.rawValue, limit, offset]
                    )
                } else {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM orders ORDER BY createdAt DESC, ordinal DESC LIMIT ? OFFSET ?",
                        arguments: [limit, offset])
                }
            return try rows.map(Self.order(from:))
        }
    }

    package func settle(_ order: Order, _ settlement: Settlement, at now: Date) async throws -> Order? {
        try await commits.write { db in
            let settled = order.settled(settlement, at: now)
            // `status = 'pending'` makes settling idempotent: the first final word stands.
            try db.cachedStatement(
                sql: """
                    UPDATE orders SET status = ?, message = ?, reason = ?, updatedAt = ?, retryAt = NULL
                    WHERE id = ? AND status = 'pending'
                    """
            ).execute(arguments: [
                settled.status.rawValue, settled.message, settled.reason, UTCTimestamp.sqlite(now), order.id,
            ])
            // The row changed as asked: no need to read it back.
            if db.changesCount == 1 {
                try SQLiteEventStore.append(OrderEvents.settled(settled), in: db)
                return settled
            }
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM orders WHERE id = ?"), arguments: [order.id])
                .map(Self.order(from:))
        }
    }

    package func postpone(id: String, message: String, triedAt: Date, retryAt: Date) async throws {
        try await commits.write { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE orders SET attempts = attempts + 1, message = ?, triedAt = ?, retryAt = ?
                        WHERE id = ? AND status = 'pending'
                        RETURNING *
                        """),
                arguments: [message, UTCTimestamp.sqlite(triedAt), UTCTimestamp.sqlite(retryAt), id]
            )
            // Its first postponement is the order's "delayed" transition; later tries change nothing a
            // reader of the feed needs to hear about.
            if let row = rows.first, row["attempts"] as Int == 1 {
                try SQLiteEventStore.append(OrderEvents.event(EventType.orderDelayed, for: try Self.order(from: row), at: Date()), in: db)
            }
        }
    }

    package func duePending(asOf now: Date, triedBefore recoveredAt: Date?, limit: Int) async throws -> [PendingOrder] {
        try await writer.read { db in
            // Walks `orders_pending_by_age` from the oldest pending order and stops at `limit` due ones.
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM orders INDEXED BY orders_pending_by_age
                        WHERE status = 'pending' AND (retryAt <= ? OR triedAt < ?)
                        ORDER BY createdAt, ordinal LIMIT ?
                        """
                ),
                arguments: [UTCTimestamp.sqlite(now), recoveredAt.map(UTCTimestamp.sqlite), limit]
            ).map { PendingOrder(order: try Self.order(from: $0), attempts: $0["attempts"]) }
        }
    }

    package func nextRetry(after: Date?) async throws -> Date? {
        try await writer.read { db in
            try Date.fetchOne(
                db, sql: "SELECT min(retryAt) FROM orders WHERE status = 'pending' AND (? IS NULL OR retryAt > ?)",
                arguments: [after.map(UTCTimestamp.sqlite), after.map(UTCTimestamp.sqlite)])
        }
    }

    /// How many orders are pending: a health and metrics figure.
    package func pendingCount() async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM orders WHERE status = 'pending'") ?? 0 }
    }

    package func forgetIdempotencyKeys(createdBefore cutoff: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql:
                    "UPDATE orders SET idempotencyKey = NULL, fingerprint = NULL WHERE idempotencyKey IS NOT NULL AND createdAt < ?",
                arguments: [cutoff]
            )
            return db.changesCount
        }
    }

    private static func fetchStored(_ db: Database, idempotencyKey: String) throws -> StoredOrder? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM orders WHERE idempotencyKey = ?"), arguments: [idempotencyKey])
        else {
            return nil
        }
        return StoredOrder(order: try order(from: row), fingerprint: row["fingerprint"], inserted: false)
    }

    private static func order(from row: Row) throws -> Order {
        Order(
            id: row["id"],
            customerId: row["customerId"],
            items: try decoder.decode([OrderLine].self, from: Data((row["items"] as String).utf8)),
            status: OrderStatus(rawValue: row["status"]) ?? .pending,
            message: row["message"],
            reason: row["reason"],
            createdAt: row["createdAt"],
            updatedAt: row["updatedAt"]
        )
    }

    // Shared: making a decoder per row cost more than the decoding itself.
    private static let decoder = JSONDecoder()
}
