import WarehouseKit

/// The inventory service's own refusals; each knows its HTTP answer.
package enum InventoryError: HTTPProblemError, Equatable {
    case productNotFound(sku: String)
    case deductionNotFound(key: String)
    /// The key was recorded for other lines: replaying it would not mean the same thing.
    case keyReused(key: String)
    case invalidSKU(String)
    /// A chaos fault: the deduction committed, and this answer is an error on purpose.
    case injectedErrorAfterCommit

    package var problem: Problem {
        switch self {
        case .productNotFound(let sku):
            Problem(title: "Product not found", status: 404, detail: "No product has SKU \(sku).")
        case .deductionNotFound(let key):
            Problem(title: "Deduction not found", status: 404, detail: "No deduction is recorded under key \(key).")
        case .keyReused(let key):
            Problem(
                title: "Idempotency key reused",
                status: 422,
                detail: "Key \(key) was already used for different items; use a new key for a different deduction."
            )
        case .injectedErrorAfterCommit:
            Problem(title: "Internal server error", status: 500, detail: "Injected after commit by chaos settings.")
        case .invalidSKU:
            Problem(
                title: "Invalid SKU",
                status: 422,
                detail: "/sku: must match \(SKU.patternText)",
                errors: [FieldViolation("/sku", "must match \(SKU.patternText)")]
            )
        }
    }
}
