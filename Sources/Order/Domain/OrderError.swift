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
        case .invalidIdempotencyKey:
            Problem(
                title: "Invalid Idempotency-Key",
                status: 400,
                detail: "Idempotency-Key must be 1 to 255 printable ASCII characters."
            )
        }
    }

    package var headers: HTTPFields {
        self == .idempotencyKeyInFlight ? [.retryAfter: "1"] : [:]
    }
}
