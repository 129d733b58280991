/// Where the inventory service keeps products and deduction records. `SQLiteInventoryRepository` is the
/// SQLite implementation; `InventoryRepositoryConformance` is what every implementation must pass.
package protocol InventoryRepository: Sendable {
    func products() async throws -> [Product]
    func product(sku: String) async throws -> Product?
    /// Creates the product or sets its name and stock; returns whether it was created.
    func upsert(_ product: Product) async throws -> Bool
    /// Deducts every line or none, and records the outcome under `key`, in one transaction. A key seen
    /// before returns its recorded outcome (`replayed`) and changes nothing. The faults of `faults` that
    /// strike this call (`FaultPlan.kinds(replayed:)`) are written to the fault ledger in the same
    /// transaction.
    ///
    /// - Throws: `InventoryError.keyReused` when `key` was recorded for different lines.
    func deduct(key: String, lines: [StockLine], faults: FaultPlan) async throws -> DeductionResult
    func deduction(key: String) async throws -> DeductionRecord?
    /// The 1-based position of `key` among all deduction keys this database has seen, assigned the
    /// first time it is asked for and the same ever after.
    func ordinal(of key: String) async throws -> Int64
    /// Adds `products` the first time the store is used (the demo catalogue of a new data directory),
    /// leaving any product already there as it is; later calls add nothing.
    ///
    /// - Returns: whether this call added them.
    func seedOnce(_ products: [Product]) async throws -> Bool
    /// Counts one deduction that left no record of its key (the ledger's deductions are otherwise counted
    /// by their records) and writes `faults`, the faults that strike it, to the fault ledger, in one
    /// transaction.
    func countUnrecordedDeduction(key: String, faults: [FaultKind]) async throws
    /// Every fault injected so far, by kind, and how many deductions there were.
    func faultLedger() async throws -> FaultLedger
}

extension InventoryRepository {
    /// Deducts with no fault in store.
    package func deduct(key: String, lines: [StockLine]) async throws -> DeductionResult {
        try await deduct(key: key, lines: lines, faults: .none)
    }
}
