import Foundation
import WarehouseKit

/// One reconciler try of a pending order, with no shopper waiting: inventory's record of the order's
/// key is read first, so an answer lost after commit (a timeout, a 500, a crash) settles the order
/// with no second deduction; only when inventory has no record is the deduction replayed. Its tries
/// are the patient ones (`OrderPolicy.retryTimeout`), and a try without an answer is recorded before
/// it returns, so the order does not look due again too soon. An order pending past
/// `AttentionPolicy.after` is marked as needing attention instead, and no longer tried automatically.
package struct PendingOrderRetry: Sendable {
    package let settler: OrderSettler
    /// Inventory with tries that may take as long as `OrderPolicy.retryTimeout`.
    package let inventory: any InventoryGateway
    package let retryTimeout: Duration
    /// When a try without an answer marks the order as needing attention instead of scheduling another.
    package let attention: AttentionPolicy
    /// The time now (a test's clock).
    package let now: @Sendable () -> Date

    package init(
        settler: OrderSettler, inventory: any InventoryGateway, retryTimeout: Duration, attention: AttentionPolicy = AttentionPolicy(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settler = settler
        self.inventory = inventory
        self.retryTimeout = retryTimeout
        self.attention = attention
        self.now = now
    }

    /// Tries `pending` once and returns it as it now stands.
    ///
    /// - Throws: what storage throws while it records the try's outcome; the order then stays due.
    package func retry(_ pending: PendingOrder) async throws -> Order {
        let order = pending.order
        let triedAt = now()
        let deadline = ContinuousClock.now + retryTimeout
        let answer: InventoryAnswer
        do {
            answer = try await withDeadline(deadline) { [inventory] in
                if let recorded = try await inventory.recordedOutcome(key: order.id, lines: order.items, until: deadline) { return recorded }
                return try await inventory.deduct(key: order.id, lines: order.items, until: deadline)
            }
        } catch {
            let stillPending = settler.leftPending(order, because: settler.unavailability(after: error, of: order))
            let now = now()
            guard attention.isDue(order, at: now) else {
                try await settler.postpone(stillPending, attempt: pending.attempts + 1, triedAt: triedAt)
                return stillPending
            }
            var stuck = stillPending
            stuck.message = OrderMessage.needsAttention(orderId: order.id)
            stuck.needsAttention = true
            if try await settler.repository.markNeedingAttention(id: order.id, message: stuck.message, triedAt: triedAt, at: now) {
                settler.logger.error(
                    "order needs attention: no definite answer from inventory, no longer retried automatically",
                    metadata: ["order_id": "\(order.id)", "attempts": "\(pending.attempts + 1)"])
            }
            return stuck
        }
        return try await settler.settle(order, with: answer)
    }
}
