import Foundation

/// The final word inventory gave on an order.
package enum Settlement: Sendable, Equatable {
    case shipped
    case rejected(reason: String)
}

extension Order {
    /// The pending order as `settlement` leaves it at `now`: what storage records, and what a shopper
    /// is told.
    package func settled(_ settlement: Settlement, at now: Date) -> Order {
        var settled = self
        switch settlement {
        case .shipped: (settled.status, settled.message, settled.reason) = (.shipped, OrderMessage.shipped, nil)
        case .rejected(let reason): (settled.status, settled.message, settled.reason) = (.rejected, OrderMessage.rejected(reason), reason)
        }
        settled.updatedAt = now
        return settled
    }
}

/// Where the order service keeps its orders. `SQLiteOrderRepository` is the SQLite implementation;
/// `OrderRepositoryConformance` (tests) is what every implementation must pass.
package protocol OrderRepository: Sendable {
    /// Stores a new pending order (with its idempotency key and request fingerprint, if any) in one
    /// transaction. `retryAt` is when the reconciler may first pick it up.
    ///
    /// - Returns: the stored order, or the existing one when `idempotencyKey` is already taken.
    /// - Throws: `OrderStoreError.idTaken` when another order has the same id.
    func insert(_ order: Order, idempotencyKey: String?, fingerprint: String?, retryAt: Date) async throws -> StoredOrder
    func order(id: String) async throws -> Order?
    func order(idempotencyKey: String) async throws -> StoredOrder?
    /// Newest first.
    func orders(status: OrderStatus?, limit: Int, offset: Int) async throws -> [Order]
    /// Moves the pending `order` (as stored) to its final state. An order that is already final keeps
    /// its state.
    ///
    /// - Returns: the order as it now is, or nil when unknown.
    func settle(_ order: Order, _ settlement: Settlement, at now: Date) async throws -> Order?
    /// Records a try, begun at `triedAt`, that gave no definite answer, and when to try again.
    func postpone(id: String, message: String, triedAt: Date, retryAt: Date) async throws
    /// Pending orders to try now, oldest first, with how many tries each had: those whose next try is
    /// due by `now`, and those whose last try began before `recoveredAt`, when inventory came back
    /// after an outage (their backoff was waiting for a dependency that no longer fails).
    func duePending(asOf now: Date, triedBefore recoveredAt: Date?, limit: Int) async throws -> [PendingOrder]
    /// When the earliest pending order is next due, if any order is pending; with `after`, the
    /// earliest such time later than it.
    func nextRetry(after: Date?) async throws -> Date?
    /// How many orders are pending now.
    func pendingCount() async throws -> Int
    /// Forgets the idempotency keys of orders created before `cutoff` (the orders stay).
    ///
    /// - Returns: how many keys were forgotten.
    func forgetIdempotencyKeys(createdBefore cutoff: Date) async throws -> Int
}

extension OrderRepository {
    /// The newest orders.
    package func orders(status: OrderStatus?, limit: Int) async throws -> [Order] {
        try await orders(status: status, limit: limit, offset: 0)
    }

    /// Records a try, begun now, that gave no definite answer.
    package func postpone(id: String, message: String, retryAt: Date) async throws {
        try await postpone(id: id, message: message, triedAt: Date(), retryAt: retryAt)
    }

    /// When the earliest pending order is next due, if any order is pending.
    package func nextRetry() async throws -> Date? {
        try await nextRetry(after: nil)
    }

    /// Pending orders whose next try is due by `now`, oldest first.
    package func duePending(asOf now: Date, limit: Int) async throws -> [PendingOrder] {
        try await duePending(asOf: now, triedBefore: nil, limit: limit)
    }
}

package struct StoredOrder: Sendable, Equatable {
    package var order: Order
    package var fingerprint: String?
    /// False when the idempotency key already belonged to this earlier order.
    package var inserted: Bool
    /// The order's place among all orders this database has stored, counted from 1 (for "every n-th"
    /// chaos); nil when the order was stored earlier.
    package var ordinal: Int64?

    package init(order: Order, fingerprint: String?, inserted: Bool, ordinal: Int64? = nil) {
        self.order = order
        self.fingerprint = fingerprint
        self.inserted = inserted
        self.ordinal = ordinal
    }
}

package struct PendingOrder: Sendable, Equatable {
    package var order: Order
    package var attempts: Int

    package init(order: Order, attempts: Int) {
        self.order = order
        self.attempts = attempts
    }
}

package enum OrderStoreError: Error, Equatable {
    /// Another order already has this id.
    case idTaken
}
