import Foundation

package enum OrderStatus: String, Sendable, Codable, CaseIterable {
    case pending, shipped, rejected

    package var isTerminal: Bool { self != .pending }
}

package struct OrderLine: Sendable, Equatable, Codable, Hashable {
    package var sku: String
    package var quantity: Int

    package init(sku: String, quantity: Int) {
        self.sku = sku
        self.quantity = quantity
    }

    /// Units per SKU: `[A×1, B×2, A×1]` and `[B×2, A×2]` ask for the same stock.
    package static func merged(_ lines: [OrderLine]) -> [String: Int] {
        Dictionary(lines.map { ($0.sku, $0.quantity) }, uniquingKeysWith: +)
    }
}

/// An order as the service keeps it. Stored `pending` before inventory is asked anything, so it
/// survives a crash of any process at any moment.
package struct Order: Sendable, Equatable {
    package var id: String
    package var customerId: String
    package var items: [OrderLine]
    package var status: OrderStatus
    /// What is happening, in words a shopper understands.
    package var message: String
    /// Why it was rejected, naming the SKU; rejected orders only.
    package var reason: String?
    package var createdAt: Date
    package var updatedAt: Date
    /// Pending longer than the reconciler tries on its own (`--attention-after-s`): still pending, no
    /// longer retried automatically, counted by a metric and shown in the console until a person acts.
    package var needsAttention: Bool

    package init(
        id: String,
        customerId: String,
        items: [OrderLine],
        status: OrderStatus,
        message: String,
        reason: String? = nil,
        createdAt: Date,
        updatedAt: Date,
        needsAttention: Bool = false
    ) {
        self.needsAttention = needsAttention
        self.id = id
        self.customerId = customerId
        self.items = items
        self.status = status
        self.message = message
        self.reason = reason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A new order, pending, with a fresh id.
    package static func pending(_ draft: NewOrder, at now: Date, id: String = OrderID.random()) -> Order {
        Order(
            id: id,
            customerId: draft.customerId,
            items: draft.items,
            status: .pending,
            message: OrderMessage.awaitingInventory,
            createdAt: now,
            updatedAt: now
        )
    }
}

/// A validated request for an order (the body of `POST /orders` after `RequestBodyMiddleware`).
package struct NewOrder: Sendable, Equatable {
    package var customerId: String
    package var items: [OrderLine]

    package init(customerId: String, items: [OrderLine]) {
        self.customerId = customerId
        self.items = items
    }

    /// Identifies the request's meaning: the same customer and lines in the same order give the same
    /// fingerprint, so a replayed `Idempotency-Key` can be told apart from a reused one.
    package var fingerprint: String {
        "POST /orders\n\(customerId)\n" + items.map { "\($0.sku)*\($0.quantity)" }.joined(separator: ",")
    }
}
