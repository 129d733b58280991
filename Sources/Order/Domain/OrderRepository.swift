import Foundation

/// The final word inventory gave on an order.
package enum Settlement: Sendable, Equatable {
    case shipped
    case rejected(reason: String)
}

/// Where the order service keeps its orders. `OrderDatabase` is the SQLite implementation.
package protocol OrderRepository: Sendable {
    /// Stores a new pending order (with its idempotency key and request fingerprint, if any) in one
    /// transaction. `retryAt` is when the reconciler may first pick it up.
    ///
    /// - Returns: the stored order, or the existing one when `idempotencyKey` is already taken.
    func insert(_ order: Order, idempotencyKey: String?, fingerprint: String?, retryAt: Date) async throws -> StoredOrder
    func order(id: String) async throws -> Order?
    func order(idempotencyKey: String) async throws -> StoredOrder?
    /// Newest first.
    func orders(status: OrderStatus?, limit: Int) async throws -> [Order]
    /// Moves a pending order to its final state. An order that is already final keeps its state.
    ///
    /// - Returns: the order as it now is, or nil when unknown.
    func settle(id: String, _ settlement: Settlement, at now: Date) async throws -> Order?
    /// Records a try that gave no definite answer, and when to try again.
    func postpone(id: String, message: String, retryAt: Date) async throws
    /// Pending orders whose next try is due, oldest first, with how many tries each had.
    func duePending(asOf now: Date, limit: Int) async throws -> [PendingOrder]
    /// When the earliest pending order is next due, if any order is pending.
    func nextRetry() async throws -> Date?
    /// How many orders are pending now.
    func pendingCount() async throws -> Int
}

package struct StoredOrder: Sendable, Equatable {
    package var order: Order
    package var fingerprint: String?
    /// False when the idempotency key already belonged to this earlier order.
    package var inserted: Bool

    package init(order: Order, fingerprint: String?, inserted: Bool) {
        self.order = order
        self.fingerprint = fingerprint
        self.inserted = inserted
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
