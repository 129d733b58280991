import HTTPTypes
import WarehouseKit

/// The order service's own refusals; each knows its HTTP answer.
package enum OrderError: HTTPProblemError, Equatable {
    case notFound(id: String)
    /// The same `Idempotency-Key` came with a different body.
    case idempotencyKeyReused
    /// The first request with this `Idempotency-Key` is still being answered.
    case idempotencyKeyInFlight
    case invalidIdempotencyKey
    /// Naive mode only: inventory gave no definite answer and the order was marked rejected.
    case inventoryFailed(id: String)
    /// Chaos: the order was stored and processed, and this answer is an error on purpose.
    case injectedAfterStore
    /// An admin's retry of an order that is no longer pending.
    case notPending(id: String, status: OrderStatus)
    /// An admin's retry of an order older than the key retention: inventory may have forgotten its key.
    case tooOldToRetry(id: String)
    /// Storage did not confirm the order by the deadline; the write goes on, so it may yet be stored.
    case notStoredInTime

    package var problem: Problem {
        switch self {
        case .notFound(let id):
            Problem(title: "Order not found", status: 404, detail: "No order has id \(id).")
        case .idempotencyKeyReused:
            Problem(
                title: "Idempotency key reused",
                status: 422,
                detail: "This Idempotency-Key was already used with a different request body; use a new key for a new order."
            )
        case .idempotencyKeyInFlight:
            Problem(
                title: "Request in progress",
                status: 409,
                detail: "The first request with this Idempotency-Key is still being processed; retry shortly."
            )
        case .inventoryFailed(let id):
            Problem(
                title: "Inventory failed",
                status: 502,
                detail: "Inventory did not confirm the stock in time; order \(id) was not placed."
            )
        case .injectedAfterStore:
            Problem(
                title: "Internal server error", status: 500, detail: "Injected after the order was stored, by chaos settings.")
        case .notPending(let id, let status):
            Problem(title: "Order not pending", status: 409, detail: "Order \(id) is \(status.rawValue) already; there is nothing to retry.")
        case .tooOldToRetry(let id):
            Problem(
                title: "Too old to retry",
                status: 409,
                detail:
                    "Order \(id) is older than the Idempotency-Key retention: inventory may have forgotten its deduction key, so a retry could deduct twice. Settle it by hand with inventory's records."
            )
        case .notStoredInTime:
            Problem(
                title: "Order not confirmed in time",
                status: 503,
                detail:
                    "Storage did not confirm your order within the deadline; it may still be saved. Send it again with the same Idempotency-Key to get it (never a second order), or look for it under GET /orders?customerId=."
            )
        case .invalidIdempotencyKey:
            Problem(
                title: "Invalid Idempotency-Key",
                status: 400,
                detail: "Idempotency-Key must be 1 to 255 printable ASCII characters."
            )
        }
    }

    package var headers: HTTPFields {
        self == .idempotencyKeyInFlight || self == .notStoredInTime ? [.retryAfter: "1"] : [:]
    }
}
