/// The definite answers inventory can give to a deduction.
package enum InventoryAnswer: Sendable, Equatable {
    case applied
    /// Refused: not enough stock or an unknown SKU; the reason names the SKU.
    case rejected(reason: String)
}

/// Inventory gave no definite answer. Whatever the case, the deduction may or may not have happened:
/// the only safe next step is to ask again with the same key.
package enum InventoryCallError: Error, Equatable, CustomStringConvertible {
    /// No answer before the deadline.
    case timeout
    /// Unreachable, or answered something other than a definite outcome (a 5xx, say).
    case unavailable(String)

    package var description: String {
        switch self {
        case .timeout: "inventory did not answer in time"
        case .unavailable(let why): "inventory unavailable: \(why)"
        }
    }

    package var unavailability: InventoryUnavailability {
        self == .timeout ? .slow : .unavailable
    }
}

/// How the order service talks to inventory. `HTTPInventoryGateway` is the real one; tests script their own.
package protocol InventoryGateway: Sendable {
    /// Deducts all lines at once under `key` (the order id). Safe to repeat: inventory records the
    /// outcome under the key and returns it again.
    ///
    /// - Throws: `InventoryCallError` when there is no definite answer.
    func deduct(key: String, lines: [OrderLine]) async throws -> InventoryAnswer
}
