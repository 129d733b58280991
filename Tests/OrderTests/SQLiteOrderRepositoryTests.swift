import Foundation
import GRDB
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

/// What only the SQLite backend has to show: its schema's history.
@Suite("SQLiteOrderRepository", .timeLimit(.minutes(5)))
struct SQLiteOrderRepositoryTests {
    private func order(_ id: String) -> Order {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return Order(
            id: id, customerId: "c-42", items: [OrderLine(sku: "A", quantity: 1)], status: .pending,
            message: OrderMessage.awaitingInventory, createdAt: now, updatedAt: now)
    }

    /// Ordinals come from a column of their own, not from SQLite's rowid, which VACUUM may renumber
    /// and another backend does not have.
    @Test("an order's ordinal does not follow the rowid")
    func ordinalIsNotTheRowid() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try SQLiteStore.open(path: directory.appendingPathComponent("orders.sqlite").path)
            let repository = try SQLiteOrderRepository(pool)
            #expect(try await repository.insert(order("o1"), idempotencyKey: nil, fingerprint: nil, retryAt: Date()).ordinal == 1)
            try await pool.write { db in try db.execute(sql: "UPDATE orders SET rowid = 100 WHERE id = 'o1'") }
            #expect(try await repository.insert(order("o2"), idempotencyKey: nil, fingerprint: nil, retryAt: Date()).ordinal == 2)
        }
    }

    /// A database made before ordinals had their own column keeps its count: old orders get their
    /// rowid as ordinal, new ones continue after the last.
    @Test("a database of the first schema is migrated with its orders' places")
    func migratesFromTheFirstSchema() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try SQLiteStore.open(path: directory.appendingPathComponent("orders.sqlite").path)
            try SQLiteOrderRepository.migrator.migrate(pool, upTo: "v1: orders")
            try await pool.write { db in
                for id in ["a", "b"] {
                    try db.execute(
                        sql: """
                            INSERT INTO orders (id, customerId, items, status, message, createdAt, updatedAt)
                            VALUES (?, 'c', '[]', 'pending', 'm', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                            """, arguments: [id])
                }
            }
            let repository = try SQLiteOrderRepository(pool)
            #expect(try await repository.insert(order("c"), idempotencyKey: nil, fingerprint: nil, retryAt: Date()).ordinal == 3)
            let ordinals = try await pool.read { db in try Int64.fetchAll(db, sql: "SELECT ordinal FROM orders ORDER BY id") }
            #expect(ordinals == [1, 2, 3])
        }
    }

    /// Old idempotency keys are forgotten a small batch per transaction, each found through the index
    /// on keyed orders by age: the writer is never held for the whole table (issue 13, item 6).
    @Test("old keys are forgotten in indexed batches, all of them, and the others stay")
    func forgetsOldKeysInIndexedBatches() async throws {
        try await withTemporaryDirectory { directory in
            // A thousand orders, sent at once so that group commit puts many in each transaction, and
            // no fsync for each: one insert after another kept a busy machine here for over a minute.
            let pool = try SQLiteStore.open(path: directory.appendingPathComponent("orders.sqlite").path, durability: .normal)
            let repository = try SQLiteOrderRepository(pool)
            let old = Date(timeIntervalSince1970: 1_800_000_000)
            let count = SQLiteOrderRepository.forgetBatch * 2 + 7
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    var aged = order("old-\(index)")
                    aged.createdAt = old.addingTimeInterval(Double(index))
                    let stale = aged
                    group.addTask {
                        _ = try await repository.insert(stale, idempotencyKey: "old-key-\(index)", fingerprint: "f", retryAt: old)
                    }
                }
                try await group.waitForAll()
            }
            var fresh = order("fresh")
            fresh.createdAt = old.addingTimeInterval(86_400)
            _ = try await repository.insert(fresh, idempotencyKey: "fresh-key", fingerprint: "f", retryAt: old)

            let plan = try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "EXPLAIN QUERY PLAN SELECT rowid FROM orders WHERE idempotencyKey IS NOT NULL AND createdAt < ? ORDER BY createdAt LIMIT 500",
                    arguments: [old]
                ).map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains("orders_keyed_by_age") }, "\(plan)")
            #expect(try await repository.forgetIdempotencyKeys(createdBefore: old.addingTimeInterval(3600)) == count)
            #expect(try await repository.order(idempotencyKey: "old-key-\(count - 1)") == nil)
            #expect(try await repository.order(idempotencyKey: "fresh-key")?.order.id == "fresh")
            #expect(try await repository.order(id: "old-0") != nil)
        }
    }
}
