import Foundation
import WarehouseKit

/// One reconciler try of a pending order, with no shopper waiting: inventory's record of the order's
/// key is read first, so an answer lost after commit (a timeout, a 500, a crash) settles the order
/// with no second deduction; only when inventory has no record is the deduction replayed. Its tries
/// are the patient ones (`OrderPolicy.retryTimeout`), and a try without an answer is recorded before
/// it returns, so the order does not look due again too soon.
package struct PendingOrderRetry: Sendable {
    package let settler: OrderSettler
    /// Inventory with tries that may take as long as `OrderPolicy.retryTimeout`.
    package let inventory: any InventoryGateway
    package let retryTimeout: Duration

    package init(settler: OrderSettler, inventory: any InventoryGateway, retryTimeout: Duration) {
        self.settler = settler
        self.inventory = inventory
        self.retryTimeout = retryTimeout
    }

    /// Tries `pending` once and returns it as it now stands.
    ///
    /// - Throws: what storage throws while it records the try's outcome; the order then stays due.
    package func retry(_ pending: PendingOrder) async throws -> Order {
        let order = pending.order
        let triedAt = Date()
        let deadline = ContinuousClock.now + retryTimeout
        let answer: InventoryAnswer
        do {
            answer = try await withDeadline(deadline) { [inventory] in
                if let recorded = try await inventory.recordedOutcome(key: order.id, until: deadline) { return recorded }
                return try await inventory.deduct(key: order.id, lines: order.items, until: deadline)
            }
        } catch {
            let stillPending = settler.leftPending(order, because: settler.unavailability(after: error, of: order))
            try await settler.postpone(stillPending, attempt: pending.attempts + 1, triedAt: triedAt)
            return stillPending
        }
        return try await settler.settle(order, with: answer)
    }
}
