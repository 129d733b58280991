import Foundation
import Inventory
import Testing
import WarehouseKit
import WarehouseTestSupport

/// A fresh inventory database of `backend`, opened the way the service opens it.
private func withDatabase(_ backend: StorageBackend, _ body: (any InventoryRepository) async throws -> Void) async throws {
    try await backend.withStorage(named: "inventory", open: { try await InventoryStorage.open($0) }) { try await body($0.repository) }
}

/// What every inventory storage backend must do, written against `InventoryRepository` alone: each
/// test runs on every backend in `StorageBackend.available`.
@Suite("InventoryRepository conformance", .timeLimit(.minutes(3)))
struct InventoryRepositoryConformance {
    @Test("upsert creates, then updates", arguments: StorageBackend.available)
    func upsert(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            #expect(try await database.upsert(Product(sku: "A", name: "Apple", stock: 5)) == true)
            #expect(try await database.upsert(Product(sku: "A", name: "Apricot", stock: 7)) == false)
            #expect(try await database.product(sku: "A") == Product(sku: "A", name: "Apricot", stock: 7))
            #expect(try await database.product(sku: "B") == nil)
            _ = try await database.upsert(Product(sku: "0-first", name: "First", stock: 1))
            #expect(try await database.products().map(\.sku) == ["0-first", "A"])
        }
    }

    @Test("the database itself refuses negative stock", arguments: StorageBackend.available)
    func negativeStockRefused(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            await #expect(throws: (any Error).self) {
                _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: -1))
            }
            let stored = try await database.product(sku: "A")
            #expect(stored == nil)
        }
    }

    @Test("a deduction applies and lowers stock", arguments: StorageBackend.available)
    func deductApplies(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let result = try await database.deduct(key: "k1", lines: [StockLine(sku: "A", quantity: 3)])
            #expect(result.replayed == false)
            #expect(result.record.key == "k1")
            #expect(result.record.outcome == .applied)
            #expect(result.record.lines == [StockLine(sku: "A", quantity: 3)])
            #expect(try await database.product(sku: "A")?.stock == 7)
            #expect(try await database.deduction(key: "k1")?.outcome == .applied)
            #expect(try await database.deduction(key: "other") == nil)
        }
    }

    @Test("the same key again is replayed: same outcome, stock unchanged", arguments: StorageBackend.available)
    func sameKeyReplays(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let lines = [StockLine(sku: "A", quantity: 3)]
            let first = try await database.deduct(key: "k1", lines: lines)
            let second = try await database.deduct(key: "k1", lines: lines)
            #expect(second.replayed)
            #expect(second.record.key == first.record.key)
            #expect(second.record.outcome == first.record.outcome)
            #expect(second.record.lines == first.record.lines)
            #expect(abs(second.record.recordedAt.timeIntervalSince(first.record.recordedAt)) < 0.001)
            #expect(try await database.product(sku: "A")?.stock == 7)
            // A third replay, with the lines split and reordered, means the same request.
            let third = try await database.deduct(
                key: "k1", lines: [StockLine(sku: "A", quantity: 1), StockLine(sku: "A", quantity: 2)])
            #expect(third.replayed)
            #expect(try await database.product(sku: "A")?.stock == 7)
        }
    }

    @Test("the same key with different lines is refused as reused", arguments: StorageBackend.available)
    func keyReused(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            _ = try await database.deduct(key: "k1", lines: [StockLine(sku: "A", quantity: 3)])
            await #expect(throws: InventoryError.keyReused(key: "k1")) {
                _ = try await database.deduct(key: "k1", lines: [StockLine(sku: "A", quantity: 4)])
            }
            #expect(try await database.product(sku: "A")?.stock == 7)
        }
    }

    @Test("an unknown SKU is refused and recorded; the replay returns the same refusal", arguments: StorageBackend.available)
    func unknownSKURecorded(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let lines = [StockLine(sku: "A", quantity: 1), StockLine(sku: "GHOST", quantity: 1)]
            let first = try await database.deduct(key: "k1", lines: lines)
            let refusal = DeductionOutcome.rejected(sku: "GHOST", reason: "Unknown SKU GHOST.")
            #expect(first.record.outcome == refusal)
            #expect(first.replayed == false)
            #expect(try await database.product(sku: "A")?.stock == 10)
            #expect(try await database.deduction(key: "k1")?.outcome == refusal)

            let replay = try await database.deduct(key: "k1", lines: lines)
            #expect(replay.replayed)
            #expect(replay.record.outcome == refusal)
            #expect(try await database.product(sku: "A")?.stock == 10)
        }
    }

    @Test("insufficient stock is refused and recorded; later stock does not change the recorded answer", arguments: StorageBackend.available)
    func insufficientStockRecorded(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 2))
            let lines = [StockLine(sku: "A", quantity: 3)]
            let refusal = DeductionOutcome.rejected(sku: "A", reason: "Not enough stock for A: 3 requested, 2 available.")
            #expect(try await database.deduct(key: "k1", lines: lines).record.outcome == refusal)
            #expect(try await database.product(sku: "A")?.stock == 2)

            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 100))
            let replay = try await database.deduct(key: "k1", lines: lines)
            #expect(replay.replayed)
            #expect(replay.record.outcome == refusal)
            #expect(try await database.product(sku: "A")?.stock == 100)
        }
    }

    @Test("all or nothing: one short line leaves every stock as it was", arguments: StorageBackend.available)
    func allOrNothing(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            _ = try await database.upsert(Product(sku: "B", name: "Banana", stock: 1))
            let result = try await database.deduct(
                key: "k1", lines: [StockLine(sku: "A", quantity: 5), StockLine(sku: "B", quantity: 2)])
            #expect(result.record.outcome == .rejected(sku: "B", reason: "Not enough stock for B: 2 requested, 1 available."))
            #expect(try await database.product(sku: "A")?.stock == 10)
            #expect(try await database.product(sku: "B")?.stock == 1)

            let both = try await database.deduct(
                key: "k2", lines: [StockLine(sku: "A", quantity: 5), StockLine(sku: "B", quantity: 1)])
            #expect(both.record.outcome == .applied)
            #expect(try await database.product(sku: "A")?.stock == 5)
            #expect(try await database.product(sku: "B")?.stock == 0)
        }
    }

    @Test("200 concurrent deductions of one unit against stock 50: exactly 50 applied", arguments: StorageBackend.available)
    func concurrentDeductions(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "HOT", name: "Hot item", stock: 50))
            let outcomes = try await withThrowingTaskGroup(of: DeductionResult.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await database.deduct(key: "order-\(index)", lines: [StockLine(sku: "HOT", quantity: 1)])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 200)
            #expect(outcomes.filter { $0.record.outcome == .applied }.count == 50)
            #expect(outcomes.filter { if case .rejected = $0.record.outcome { true } else { false } }.count == 150)
            #expect(outcomes.allSatisfy { !$0.replayed })
            #expect(try await database.product(sku: "HOT")?.stock == 0)
        }
    }

    @Test("the demo catalogue is seeded once and a second call keeps the stock", arguments: StorageBackend.available)
    func seedOnce(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            #expect(try await database.seedOnce(DemoCatalogue.products))
            #expect(try await database.products() == DemoCatalogue.products.sorted { $0.sku < $1.sku })

            let sku = try #require(DemoCatalogue.products.first).sku
            let before = try #require(try await database.product(sku: sku)).stock
            _ = try await database.deduct(key: "k1", lines: [StockLine(sku: sku, quantity: 3)])
            #expect(try await database.seedOnce(DemoCatalogue.products) == false)
            #expect(try await database.product(sku: sku)?.stock == before - 3)
            #expect(try await database.products().count == DemoCatalogue.products.count)
        }
    }

    @Test("seeding keeps a product an admin created before", arguments: StorageBackend.available)
    func seedKeepsExistingProducts(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            let sku = try #require(DemoCatalogue.products.first).sku
            _ = try await database.upsert(Product(sku: sku, name: "Mine", stock: 1))
            #expect(try await database.seedOnce(DemoCatalogue.products))
            #expect(try await database.product(sku: sku) == Product(sku: sku, name: "Mine", stock: 1))
        }
    }

    @Test("records survive opening the database again", arguments: StorageBackend.available)
    func reopen(_ backend: StorageBackend) async throws {
        try await backend.withFreshDatabase(named: "inventory") { url in
            do {
                let database = try await InventoryStorage.open(url).repository
                _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
                _ = try await database.deduct(key: "k1", lines: [StockLine(sku: "A", quantity: 4)])
            }
            let reopened = try await InventoryStorage.open(url).repository
            #expect(try await reopened.product(sku: "A")?.stock == 6)
            let replay = try await reopened.deduct(key: "k1", lines: [StockLine(sku: "A", quantity: 4)])
            #expect(replay.replayed)
            #expect(try await reopened.product(sku: "A")?.stock == 6)
        }
    }

    @Test("a key's ordinal is given once and kept; new keys count on", arguments: StorageBackend.available)
    func ordinals(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            #expect(try await database.ordinal(of: "k1") == 1)
            #expect(try await database.ordinal(of: "k2") == 2)
            #expect(try await database.ordinal(of: "k1") == 1)
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            _ = try await database.deduct(key: "k2", lines: [StockLine(sku: "A", quantity: 1)])
            #expect(try await database.deduction(key: "k2")?.ordinal == 2)
            _ = try await database.deduct(key: "k3", lines: [StockLine(sku: "A", quantity: 1)])
            #expect(try await database.deduction(key: "k3")?.ordinal == nil)
        }
    }
}
