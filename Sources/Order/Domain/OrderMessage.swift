/// The sentences shoppers read in an order's `message`.
package enum OrderMessage {
    package static let awaitingInventory = "Your order is saved; we are checking stock."
    package static let shipped = "Your order is confirmed and ships now."

    package static func rejected(_ reason: String) -> String {
        "We could not fulfil your order: \(reason)"
    }

    /// The answer when inventory gave no definite answer inside the deadline.
    package static func delayed(orderId: String, because cause: InventoryUnavailability) -> String {
        let what =
            switch cause {
            case .slow: "Inventory is responding slowly"
            case .unavailable: "Inventory is unavailable right now"
            }
        return "\(what); your order is saved and will be confirmed shortly. Follow /orders/\(orderId) for its status."
    }
}

extension OrderMessage {
    /// The message of an order that needs a person: still pending, no longer retried automatically.
    package static func needsAttention(orderId: String) -> String {
        "We could not confirm your order with inventory for a long time; it is saved, nothing is charged twice, and our team is looking into it. Follow /orders/\(orderId) for its status."
    }
}

/// Why inventory gave no definite answer. Neither means the deduction failed: it may have happened.
package enum InventoryUnavailability: Sendable, Equatable {
    /// It did not answer in time.
    case slow
    /// It could not be reached, answered 5xx, or the circuit is open.
    case unavailable
}
