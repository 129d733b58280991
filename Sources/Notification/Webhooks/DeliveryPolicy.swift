import Foundation
import WarehouseKit

/// How webhooks are retried: exponential backoff with full jitter, for a window (24 h by default) after
/// the notification was made; the last attempt is made at the window's end.
package struct DeliveryPolicy: Sendable, Equatable {
    package var backoff = Backoff(base: .seconds(1), cap: .seconds(3600))
    /// How long a delivery is retried (at least 24 h by default: a receiver down for a day still gets it).
    package var window: Duration = .seconds(24 * 3600)
    /// The longest one attempt waits for the receiver's answer.
    package var attemptTimeout: Duration = .seconds(10)
    /// Deliveries attempted at once.
    package var concurrency = 16

    package init() {}

    /// When to try again after the `attempt`-th attempt (1 for the first) failed at `now`; nil once the
    /// window is over. `unit` is the jitter, uniform in `[0, 1)`.
    package func retryAt(after attempt: Int, failedAt now: Date, giveUpAt: Date, unit: Double = .random(in: 0..<1)) -> Date? {
        guard now < giveUpAt else { return nil }
        let next = now.addingTimeInterval(backoff.delay(attempt: attempt - 1, unit: unit).seconds)
        return min(next, giveUpAt)
    }

    /// How long an attempt holds its delivery: no one else picks it up meanwhile, and if this process
    /// dies during the attempt, the delivery is due again once the lease runs out.
    package var lease: Duration { attemptTimeout + .seconds(5) }
}
