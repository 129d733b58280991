import Inventory
import Testing
import WarehouseKit

/// The naive deduction kept for the chaos comparison: made of the repository's ordinary reads and
/// writes, so it behaves the same on any backend, and as badly as it is meant to.
@Suite("NaiveDeduction", .timeLimit(.minutes(3)))
struct NaiveDeductionTests {
    @Test("it deducts with no record of a key: the same call twice deducts twice")
    func deductsAgain() async throws {
        try await withInventoryDatabase { repository in
            _ = try await repository.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let naive = NaiveDeduction(repository: repository)
            #expect(try await naive.deductOutcome(key: "k1", lines: [StockLine(sku: "A", quantity: 3)]) == .applied)
            #expect(try await naive.deductOutcome(key: "k1", lines: [StockLine(sku: "A", quantity: 3)]) == .applied)
            #expect(try await repository.product(sku: "A")?.stock == 4)
            #expect(try await repository.deduction(key: "anything") == nil)
        }
    }

    @Test("it refuses what the rule refuses and changes nothing")
    func refuses() async throws {
        try await withInventoryDatabase { repository in
            _ = try await repository.upsert(Product(sku: "A", name: "Apple", stock: 2))
            let outcome = try await NaiveDeduction(repository: repository).deductOutcome(
                key: "k1", lines: [StockLine(sku: "A", quantity: 1), StockLine(sku: "GHOST", quantity: 1)])
            #expect(outcome == .rejected(sku: "GHOST", reason: "Unknown SKU GHOST."))
            #expect(try await repository.product(sku: "A")?.stock == 2)
        }
    }
}
