import Foundation
import Logging
import WarehouseKit

/// Writes down what inventory said about an order. A definite answer settles it (`shipped` or
/// `rejected`); no answer leaves it pending with a message that says why and a time for the next try.
/// The request path (`OrderPlacement`) and the reconciler's tries (`PendingOrderRetry`) both settle
/// orders through it; neither hides an error of the storage it writes to.
package struct OrderSettler: Sendable {
    package let repository: any OrderRepository
    /// Waits between tries of one order.
    package let retryBackoff: Backoff
    package let logger: Logger
    /// Rung when a try without an answer is recorded, so the reconciler looks at once.
    package let pendingBell: Doorbell

    package init(repository: any OrderRepository, retryBackoff: Backoff, logger: Logger, pendingBell: Doorbell) {
        self.repository = repository
        self.retryBackoff = retryBackoff
        self.logger = logger
        self.pendingBell = pendingBell
    }

    /// Records inventory's definite answer and returns the order as it now stands (an order settled
    /// before keeps its first final state).
    ///
    /// - Throws: what storage throws. Inventory's record of the key stands, so a later try (a replay of
    ///   the key, the reconciler) learns the answer again and records it.
    package func settle(_ order: Order, with answer: InventoryAnswer) async throws -> Order {
        guard let settled = try await repository.settle(order, Settlement(answer), at: Date()) else { return order }
        logger.info("order settled", metadata: ["order_id": "\(order.id)", "status": "\(settled.status.rawValue)"])
        return settled
    }

    /// Why inventory gave no definite answer to a call that threw `error`: it is never taken for a
    /// refusal. Logged with the order.
    package func unavailability(after error: any Error, of order: Order) -> InventoryUnavailability {
        switch error {
        case let error as InventoryCallError:
            logger.warning("inventory gave no answer", metadata: ["order_id": "\(order.id)", "error": "\(error)"])
            return error.unavailability
        case is DeadlineExceeded:
            logger.warning("inventory did not answer in time", metadata: ["order_id": "\(order.id)"])
            return .slow
        default:
            logger.warning("inventory call failed", metadata: ["order_id": "\(order.id)", "error": "\(error)"])
            return .unavailable
        }
    }

    /// The order as it stands after a try without a definite answer: pending, with a message a
    /// shopper understands.
    package func leftPending(_ order: Order, because cause: InventoryUnavailability) -> Order {
        var pending = order
        pending.message = OrderMessage.delayed(orderId: order.id, because: cause)
        return pending
    }

    /// Records a try of `pending` that began at `triedAt` and gave no definite answer: its message, and
    /// when it is due again (after the backoff of its `attempt`). Then rings the pending bell.
    package func postpone(_ pending: Order, attempt: Int, triedAt: Date) async throws {
        let retryAt = Date().addingTimeInterval(retryBackoff.delay(attempt: attempt).seconds)
        try await repository.postpone(id: pending.id, message: pending.message, triedAt: triedAt, retryAt: retryAt)
        pendingBell.ring()
    }
}
