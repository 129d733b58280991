import Foundation

/// Where the notification service keeps its cursor in the order feed, the inbox, subscriptions and
/// webhook deliveries. `SQLiteNotificationRepository` is the SQLite implementation.
package protocol NotificationRepository: Sendable {
    /// The position of `feed` read up to (0 before the first read).
    func cursor(feed: String) async throws -> Int64

    /// Stores the notifications `events` call for, a delivery for each one whose customer has a
    /// subscription, and moves the cursor of `feed` from `position` to `next`, all in one transaction.
    /// A notification that exists already (the same order and kind) is not made again.
    ///
    /// - Throws: `NotificationStoreError.cursorMoved` when the cursor is not at `position` (another
    ///   reader of the same database moved it); nothing is stored then.
    func apply(_ events: [OrderEvent], feed: String, from position: Int64, to next: Int64, now: Date, retryWindow: Duration)
        async throws -> AppliedEvents

    /// Oldest first, with a `sequence` greater than `after`; every customer's when `customerId` is nil.
    func notifications(customerId: String?, after: Int64, limit: Int) async throws -> [Notification]

    /// Creates the subscription (with a new secret) or points it at `url`.
    ///
    /// - Returns: the subscription, and whether it was created.
    func putSubscription(customerId: String, url: String, now: Date) async throws -> (Subscription, created: Bool)
    func subscription(customerId: String) async throws -> Subscription?

    /// Pending deliveries whose next attempt is due, oldest due first.
    func dueDeliveries(asOf now: Date, limit: Int) async throws -> [DueDelivery]
    /// When the earliest pending delivery is due, if any is pending.
    func nextDeliveryDue() async throws -> Date?
    /// Claims a due delivery for attempt `number` until `leaseUntil` and records the attempt as
    /// `sending`. Returns false when the delivery is no longer due (claimed by someone else, or done).
    func beginAttempt(deliveryId: String, number: Int, at now: Date, leaseUntil: Date) async throws -> Bool
    /// Records how attempt `number` ended and what becomes of the delivery.
    func finishAttempt(deliveryId: String, number: Int, result: AttemptResult, durationMs: Double, at now: Date) async throws
    /// Newest first, each with its attempts.
    func deliveries(customerId: String?, status: DeliveryStatus?, limit: Int) async throws -> [Delivery]
}

/// What applying a page of events did.
package struct AppliedEvents: Sendable, Equatable {
    package var notifications: [NotificationKind: Int] = [:]
    package var deliveries = 0

    package init(notifications: [NotificationKind: Int] = [:], deliveries: Int = 0) {
        self.notifications = notifications
        self.deliveries = deliveries
    }
}

package enum NotificationStoreError: Error, Equatable {
    /// The cursor was at `found`, not where the caller read from.
    case cursorMoved(expected: Int64, found: Int64)
}
