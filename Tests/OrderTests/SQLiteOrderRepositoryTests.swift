import Foundation
import GRDB
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

/// What only the SQLite backend has to show: its schema's history.
@Suite("SQLiteOrderRepository", .timeLimit(.minutes(1)))
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
}
