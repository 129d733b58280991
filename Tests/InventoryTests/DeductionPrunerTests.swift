import Foundation
import Inventory
import Logging
import Testing
import WarehouseKit
import WarehouseTestSupport

/// The retention of deduction records (issue 13 item 10) on real storage, every backend.
@Suite("Deduction records retention", .timeLimit(.minutes(3)))
struct DeductionPrunerTests {
    @Test("records past the retention are forgotten, in batches; records inside it stay", arguments: StorageBackend.available)
    func forgetsPastRetention(_ backend: StorageBackend) async throws {
        try await backend.withStorage(named: "inventory", open: { try await InventoryStorage.open($0) }) { storage in
            let repository = storage.repository
            _ = try await repository.upsert(Product(sku: "A", name: "Apple", stock: 100))
            for index in 0..<5 { _ = try await repository.deduct(key: "k\(index)", lines: [StockLine(sku: "A", quantity: 1)]) }
            _ = try await repository.deduct(key: "refused", lines: [StockLine(sku: "NOPE", quantity: 1)])
            let pruner = DeductionPruner.make(repository: repository, retention: .seconds(48 * 3600), batchSize: 2, logger: quietLogger)

            #expect(await pruner.pruneOnce(now: Date()) == 0)
            #expect(try await repository.deduction(key: "k0") != nil)

            #expect(await pruner.pruneOnce(now: Date().addingTimeInterval(49 * 3600)) == 6)
            #expect(try await repository.deduction(key: "k0") == nil)
            #expect(try await repository.deduction(key: "refused") == nil)
            #expect(try await repository.product(sku: "A")?.stock == 95)
        }
    }
}
