import Foundation

/// The deduction of the design this service replaces, kept only to measure the difference (`--naive`):
/// it reads the stock, decides, then writes each new stock level as an absolute value, each in a
/// transaction of its own, with no record of the key. A repeated call deducts again, and concurrent
/// calls overwrite each other's updates.
///
/// It is made of the repository's ordinary reads and writes, so no storage backend carries it. After
/// them it counts the call and writes the faults that strike it to the fault ledger, in a write of
/// their own: the denominator and the numerator of the experiment's check that its faults landed.
package struct NaiveDeduction: StockDeduction {
    package let repository: any InventoryRepository

    package init(repository: any InventoryRepository) {
        self.repository = repository
    }

    /// Deducts with no record of `key`: the answer is never a replay.
    package func deduct(key: String, lines: [StockLine], faults: FaultPlan) async throws -> DeductionResult {
        let outcome = try await deductOutcome(key: key, lines: lines, faults: faults.kinds(replayed: false))
        return DeductionResult(record: DeductionRecord(key: key, outcome: outcome, lines: lines, recordedAt: Date()), replayed: false)
    }

    /// - Parameter faults: the faults that strike this call, for the ledger.
    package func deductOutcome(key: String, lines: [StockLine], faults: [FaultKind] = []) async throws -> DeductionOutcome {
        let normalized = StockLine.normalized(lines)
        var products: [String: Product] = [:]
        for line in normalized {
            products[line.sku] = try await repository.product(sku: line.sku)
        }
        let outcome = DeductionRule.decide(normalized, stock: products.mapValues(\.stock))
        if outcome == .applied {
            for line in normalized {
                guard var product = products[line.sku] else { continue }
                // An absolute write of a value read earlier: the lost update the real path avoids.
                product.stock -= Int64(line.quantity)
                _ = try await repository.upsert(product)
            }
        }
        try await repository.countUnrecordedDeduction(key: key, faults: faults)
        return outcome
    }
}
