import WarehouseKit

/// The time limits of the order flow. Every value is configurable (see `warehouse serve order --help`).
package struct OrderPolicy: Sendable {
    /// The longest a `POST /orders` may take, from request to answer.
    package var deadline: Duration = .seconds(2)
    /// Kept back from the deadline for the work after inventory answers (recording the outcome,
    /// writing the response), so the answer still leaves in time.
    package var answerReserve: Duration = .milliseconds(100)
    /// The longest a `POST /orders` waits for storage to confirm the new order; nil (the default): as
    /// long as the deadline leaves, for the deadline is the shopper's promise, storage included. Set
    /// only by tests about something else (a hanging inventory under a short deadline), where a disk
    /// starved by the rest of the run must not turn the answer into a 503.
    package var storageWait: Duration?
    /// The limit of one reconciler try.
    package var retryTimeout: Duration = .seconds(5)
    /// Waits between reconciler tries of one order.
    package var retryBackoff = Backoff(base: .milliseconds(250), cap: .seconds(10))

    /// Keep idempotency keys this long, then forget them (the orders stay).
    package var idempotencyRetention: Duration = .seconds(24 * 3600)
    /// When the reconciler stops trying an order on its own and marks it as needing attention.
    package var attention = AttentionPolicy()

    package init() {}

    /// How long the request path may wait for inventory.
    package var inventoryBudget: Duration {
        deadline > answerReserve * 2 ? deadline - answerReserve : deadline / 2
    }
}
