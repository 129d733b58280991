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
        settled.needsAttention = false
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
    /// The orders `query` asks for, newest first.
    ///
    /// - Throws: `OrderStoreError.unknownCursor` when `query.after` names no order.
    func orders(_ query: OrderQuery) async throws -> [Order]
    /// Moves the pending `order` (as stored) to its final state. An order that is already final keeps
    /// its state.
    ///
    /// - Returns: the order as it now is, or nil when unknown.
    func settle(_ order: Order, _ settlement: Settlement, at now: Date) async throws -> Order?
    /// Records a try, begun at `triedAt`, that gave no definite answer, and when to try again.
    func postpone(id: String, message: String, triedAt: Date, retryAt: Date) async throws
    /// Records a try, begun at `triedAt`, that gave no definite answer to an order pending too long:
    /// it keeps status pending, is marked as needing attention (from `now`, unless marked before), and
    /// is no longer due automatically (`retryAt` cleared) until `retryNow(id:at:)`.
    ///
    /// - Returns: whether this call marked it (false when it was marked already, or is no longer pending).
    func markNeedingAttention(id: String, message: String, triedAt: Date, at now: Date) async throws -> Bool
    /// Makes a pending order due at `now` (an admin's retry of an order needing attention).
    ///
    /// - Returns: the order, or nil when unknown.
    func retryNow(id: String, at now: Date) async throws -> Order?
    /// Pending orders to try now, with how many tries each had, at most `limit`, found through indexes
    /// whatever the backlog (orders needing attention are never among them): those whose next try is
    /// due by `now`, earliest due first, and those not needing attention whose last try began before
    /// `recoveredAt`, when inventory came back after an outage (their backoff was waiting for a
    /// dependency that no longer fails). The batch is returned oldest first.
    func duePending(asOf now: Date, triedBefore recoveredAt: Date?, limit: Int) async throws -> [PendingOrder]
    /// When the earliest pending order is next due, if any order is pending; with `after`, the
    /// earliest such time later than it.
    func nextRetry(after: Date?) async throws -> Date?
    /// How many orders are pending now, and how many of them need attention, each counted up to
    /// `cap` through its partial index (never the whole table): a metrics figure.
    func pendingCount(cap: Int) async throws -> PendingCount
    /// Forgets the idempotency keys of orders created before `cutoff` (the orders stay).
    ///
    /// - Returns: how many keys were forgotten.
    func forgetIdempotencyKeys(createdBefore cutoff: Date) async throws -> Int
}

/// The backlog, as the metrics show it: each figure read from its partial index, at most `cap` rows.
package struct PendingCount: Sendable, Equatable {
    package var pending: Int
    package var needingAttention: Int

    package init(pending: Int, needingAttention: Int) {
        self.pending = pending
        self.needingAttention = needingAttention
    }
}

extension OrderRepository {
    /// How many orders are pending now (up to a million).
    package func pendingCount() async throws -> Int {
        try await pendingCount(cap: 1_000_000).pending
    }

    /// The newest orders.
    package func orders(status: OrderStatus?, limit: Int) async throws -> [Order] {
        try await orders(OrderQuery(status: status, limit: limit))
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
    /// How many of the oldest pending orders a round of `duePending` looks at for those tried before a
    /// recovery: bounded, so a backlog whose oldest orders keep failing is not walked every round; an
    /// order further back waits out its backoff (10 s at most) instead.
    package static func recoveryScan(_ limit: Int) -> Int { max(4 * limit, 128) }

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
    /// A page was asked for after an order that does not exist.
    case unknownCursor(String)
}

/// Which orders a listing shows, newest first: every one a filter keeps, a page at a time. Each filter
/// and the order it sorts in is served by an index, and a page costs at most `maximumOffset + limit` rows
/// of it: deeper pages are reached with `after`, the id of the last order of the page before.
package struct OrderQuery: Sendable, Equatable {
    package static let maximumLimit = 500
    package static let maximumOffset = 10_000

    package var status: OrderStatus?
    package var customerId: String?
    package var limit: Int
    /// How many of the matching orders (after `after`, when given) to skip.
    package var offset: Int
    /// The id of an order: the page holds only orders older than it (created earlier, or at the same
    /// time and stored earlier).
    package var after: String?

    package init(status: OrderStatus? = nil, customerId: String? = nil, limit: Int = 50, offset: Int = 0, after: String? = nil) {
        self.status = status
        self.customerId = customerId
        self.limit = limit
        self.offset = offset
        self.after = after
    }
}
