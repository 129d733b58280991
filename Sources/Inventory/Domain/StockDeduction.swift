/// How a deduction call is carried out: `RecordedDeduction`, exactly once per key, or, for the chaos
/// experiment's comparison only, `NaiveDeduction`. The service picks one at start; the API handler
/// calls whichever it was given.
package protocol StockDeduction: Sendable {
    /// Deducts `lines` under `key`, writing the faults of `faults` that strike the call to the fault
    /// ledger.
    func deduct(key: String, lines: [StockLine], faults: FaultPlan) async throws -> DeductionResult
}

/// The deduction of this design: every line or none, recorded under its key in the same transaction,
/// a repeated key answered from its record (`InventoryRepository.deduct`).
package struct RecordedDeduction: StockDeduction {
    package let repository: any InventoryRepository

    package init(repository: any InventoryRepository) {
        self.repository = repository
    }

    package func deduct(key: String, lines: [StockLine], faults: FaultPlan) async throws -> DeductionResult {
        try await repository.deduct(key: key, lines: lines, faults: faults)
    }
}
