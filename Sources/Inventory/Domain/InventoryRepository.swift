/// Where the inventory service keeps products and deduction records. `SQLiteInventoryRepository` is the
/// SQLite implementation; `InventoryRepositoryConformance` is what every implementation must pass.
package protocol InventoryRepository: Sendable {
    func products() async throws -> [Product]
    func product(sku: String) async throws -> Product?
    /// Creates the product or sets its name and stock; returns whether it was created.
    func upsert(_ product: Product) async throws -> Bool
    /// Deducts every line or none, and records the outcome under `key`, in one transaction. A key seen
    /// before returns its recorded outcome (`replayed`) and changes nothing.
    ///
    /// - Throws: `InventoryError.keyReused` when `key` was recorded for different lines.
    func deduct(key: String, lines: [StockLine]) async throws -> DeductionResult
    func deduction(key: String) async throws -> DeductionRecord?
    /// The 1-based position of `key` among all deduction keys this database has seen, assigned the
    /// first time it is asked for and the same ever after.
    func ordinal(of key: String) async throws -> Int64
    /// Adds `products` the first time the store is used (the demo catalogue of a new data directory),
    /// leaving any product already there as it is; later calls add nothing.
    ///
    /// - Returns: whether this call added them.
    func seedOnce(_ products: [Product]) async throws -> Bool
}
