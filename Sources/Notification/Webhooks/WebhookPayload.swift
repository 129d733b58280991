import Foundation
import WarehouseKit

/// The body of a webhook request, as Standard Webhooks suggests: `{"type", "timestamp", "data"}`, where
/// `data` is the notification as `GET /notifications` shows it. The same bytes on every attempt.
package enum WebhookPayload {
    package static func body(of notification: Notification) -> Data {
        let envelope = Envelope(
            type: notification.kind.eventType,
            timestamp: UTCTimestamp.iso8601(notification.createdAt),
            data: Representation(notification)
        )
        return (try? encoder.encode(envelope)) ?? Data()
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private struct Envelope: Encodable {
        var type: String
        var timestamp: String
        var data: Representation
    }

    /// The `Notification` schema of the contract.
    private struct Representation: Encodable {
        var id: String
        var sequence: Int64
        var customerId: String
        var orderId: String
        var kind: String
        var message: String
        var reason: String?
        var eventId: String
        var eventType: String
        var occurredAt: String
        var createdAt: String

        init(_ notification: Notification) {
            id = notification.id
            sequence = notification.sequence
            customerId = notification.customerId
            orderId = notification.orderId
            kind = notification.kind.rawValue
            message = notification.message
            reason = notification.reason
            eventId = notification.eventId
            eventType = notification.kind.eventType
            occurredAt = UTCTimestamp.iso8601(notification.occurredAt)
            createdAt = UTCTimestamp.iso8601(notification.createdAt)
        }
    }
}
