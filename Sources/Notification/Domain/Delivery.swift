import Foundation
import WarehouseKit

package enum DeliveryStatus: String, Sendable, CaseIterable {
    /// Not delivered yet: tried again at `nextAttemptAt`.
    case pending
    /// A receiver answered 2xx.
    case delivered
    /// Given up: the retry window passed without a 2xx.
    case failed
}

/// One webhook to deliver: a notification for a subscribed customer, and every attempt at it.
package struct Delivery: Sendable, Equatable {
    /// The `webhook-id` of every attempt (`msg_…`): a receiver deduplicates on it.
    package var id: String
    package var notificationId: String
    package var customerId: String
    package var eventType: String
    package var status: DeliveryStatus
    package var createdAt: Date
    package var nextAttemptAt: Date?
    package var deliveredAt: Date?
    /// No attempt starts after this.
    package var giveUpAt: Date
    package var attempts: [DeliveryAttempt]

    package init(
        id: String, notificationId: String, customerId: String, eventType: String, status: DeliveryStatus, createdAt: Date,
        nextAttemptAt: Date?, deliveredAt: Date?, giveUpAt: Date, attempts: [DeliveryAttempt]
    ) {
        self.id = id
        self.notificationId = notificationId
        self.customerId = customerId
        self.eventType = eventType
        self.status = status
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.giveUpAt = giveUpAt
        self.attempts = attempts
    }

    /// A new `webhook-id`.
    package static func makeID() -> String {
        "msg_" + UUIDText.random().replacingOccurrences(of: "-", with: "")
    }
}

package enum AttemptOutcome: String, Sendable, CaseIterable {
    /// Under way (or its process died and its lease has not run out yet).
    case sending
    case delivered
    case failed
    /// The process stopped while it was under way; found so when the delivery was next claimed.
    case interrupted
}

/// One try of a delivery, as recorded.
package struct DeliveryAttempt: Sendable, Equatable {
    package var number: Int
    package var startedAt: Date
    package var durationMs: Double?
    package var outcome: AttemptOutcome
    package var statusCode: Int?
    package var error: String?

    package init(
        number: Int, startedAt: Date, durationMs: Double? = nil, outcome: AttemptOutcome, statusCode: Int? = nil,
        error: String? = nil
    ) {
        self.number = number
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.outcome = outcome
        self.statusCode = statusCode
        self.error = error
    }
}

/// A delivery whose next attempt is due, with what the attempt needs.
package struct DueDelivery: Sendable, Equatable {
    package var deliveryId: String
    package var notification: Notification
    package var url: String
    package var secret: WebhookSecret
    /// Attempts made so far.
    package var attempts: Int
    package var giveUpAt: Date

    package init(deliveryId: String, notification: Notification, url: String, secret: WebhookSecret, attempts: Int, giveUpAt: Date) {
        self.deliveryId = deliveryId
        self.notification = notification
        self.url = url
        self.secret = secret
        self.attempts = attempts
        self.giveUpAt = giveUpAt
    }
}

/// What became of an attempt, and so of its delivery.
package enum AttemptResult: Sendable, Equatable {
    case delivered(statusCode: Int)
    /// No 2xx; try again at `retryAt`, or never (`nil`: the window is over).
    case failed(statusCode: Int?, error: String, retryAt: Date?)
}
