import Foundation
import WarehouseKit

/// The events the order service publishes, each written in the transaction of the change it describes.
/// `data` is the order as the API shows it (`GET /orders/{id}`), byte for byte: keys sorted, dates in
/// ISO 8601 with milliseconds, `reason` only when rejected.
enum OrderEvents {
    /// The CloudEvents `source` of the order feed.
    static let source = "/warehouse/order"

    static func event(_ type: String, for order: Order, at time: Date) -> OutboxEvent {
        OutboxEvent(type: type, subject: order.id, time: time, data: representation(of: order))
    }

    /// The event of a settlement: shipped or rejected.
    static func settled(_ order: Order) -> OutboxEvent {
        event(order.status == .shipped ? EventType.orderShipped : EventType.orderRejected, for: order, at: order.updatedAt)
    }

    /// Written by hand, like the order's stored lines: it is on the path of every order.
    static func representation(of order: Order) -> String {
        var json = #"{"createdAt":"# + JSONText.string(UTCTimestamp.iso8601(order.createdAt))
        json += #","customerId":"# + JSONText.string(order.customerId)
        json += #","id":"# + JSONText.string(order.id)
        json += #","items":["#
        for (index, line) in order.items.enumerated() {
            if index > 0 { json += "," }
            json += #"{"quantity":"# + String(line.quantity) + #","sku":"# + JSONText.string(line.sku) + "}"
        }
        json += "]"
        json += #","message":"# + JSONText.string(order.message)
        if let reason = order.reason { json += #","reason":"# + JSONText.string(reason) }
        json += #","status":"# + JSONText.string(order.status.rawValue)
        json += #","updatedAt":"# + JSONText.string(UTCTimestamp.iso8601(order.updatedAt))
        return json + "}"
    }
}
