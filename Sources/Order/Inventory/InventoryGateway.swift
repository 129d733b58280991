import Foundation

/// The definite answers inventory can give to a deduction.
package enum InventoryAnswer: Sendable, Equatable {
    case applied
    /// Refused: not enough stock or an unknown SKU; the reason names the SKU.
    case rejected(reason: String)
}

extension Settlement {
    /// What a definite answer of inventory makes of an order.
    package init(_ answer: InventoryAnswer) {
        switch answer {
        case .applied: self = .shipped
        case .rejected(let reason): self = .rejected(reason: reason)
        }
    }
}

/// Inventory gave no definite answer. Whatever the case, the deduction may or may not have happened:
/// the only safe next step is to ask again with the same key.
package enum InventoryCallError: Error, Equatable, CustomStringConvertible {
    /// No answer before the deadline.
    case timeout
    /// No connection: refused, reset, or closed before an answer came (inventory restarting, say).
    case unreachable(String)
    /// Answered something other than a definite outcome (a 5xx, say), or failed in another way.
    case unavailable(String)
    /// Not called: the circuit breaker is open after too many failures.
    case circuitOpen(since: Date)
    /// Not called: too many calls to inventory are in flight already.
    case bulkheadFull

    package var description: String {
        switch self {
        case .timeout: "inventory did not answer in time"
        case .unreachable(let why): "inventory unreachable: \(why)"
        case .unavailable(let why): "inventory unavailable: \(why)"
        case .circuitOpen(let since): "circuit open since \(since.formatted(.iso8601))"
        case .bulkheadFull: "too many inventory calls in flight"
        }
    }

    package var unavailability: InventoryUnavailability {
        switch self {
        case .timeout, .bulkheadFull: .slow
        case .unreachable, .unavailable, .circuitOpen: .unavailable
        }
    }
}

/// How the order service talks to inventory. `HTTPInventoryGateway` is the real one,
/// `ResilientInventoryGateway` wraps it in timeouts, retries, a circuit breaker and a bulkhead; tests
/// script their own.
package protocol InventoryGateway: Sendable {
    /// Deducts all lines at once under `key` (the order id). Safe to repeat: inventory records the
    /// outcome under the key and returns it again. `deadline` is when the caller stops waiting; a
    /// gateway that retries plans its tries inside it.
    ///
    /// - Throws: `InventoryCallError` when there is no definite answer.
    func deduct(key: String, lines: [OrderLine], until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer

    /// The outcome inventory recorded under `key`, or nil when it has none (the deduction has not
    /// happened). A read: it never deducts anything.
    func recordedOutcome(key: String, until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer?
}
