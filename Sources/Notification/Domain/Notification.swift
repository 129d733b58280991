import Foundation
import WarehouseKit

/// The order transitions a customer is told about.
package enum NotificationKind: String, Sendable, CaseIterable, Codable {
    case shipped, rejected, delayed

    /// The kind an order event calls for; nil for events that call for none (`placed`).
    package init?(eventType: String) {
        switch eventType {
        case EventType.orderShipped: self = .shipped
        case EventType.orderRejected: self = .rejected
        case EventType.orderDelayed: self = .delayed
        default: return nil
        }
    }

    package var eventType: String {
        switch self {
        case .shipped: EventType.orderShipped
        case .rejected: EventType.orderRejected
        case .delayed: EventType.orderDelayed
        }
    }
}

/// The order as the order service's events carry it (its API's representation), as far as a
/// notification needs it.
package struct OrderSnapshot: Decodable, Sendable, Equatable {
    package var id: String
    package var customerId: String
    package var status: String
    package var message: String
    package var reason: String?

    package init(id: String, customerId: String, status: String, message: String, reason: String? = nil) {
        self.id = id
        self.customerId = customerId
        self.status = status
        self.message = message
        self.reason = reason
    }
}

/// One event of the order feed, as this service reads it.
package struct OrderEvent: Sendable, Equatable {
    package var id: String
    package var type: String
    package var position: Int64
    package var time: Date
    package var order: OrderSnapshot

    package init(id: String, type: String, position: Int64, time: Date, order: OrderSnapshot) {
        self.id = id
        self.type = type
        self.position = position
        self.time = time
        self.order = order
    }

    package init(_ event: CloudEvent<OrderSnapshot>) {
        self.init(id: event.id, type: event.type, position: event.position, time: event.time ?? Date(), order: event.data)
    }
}

/// What a customer is told about one transition of one of their orders. There is exactly one per order
/// and kind: the database refuses a second (`UNIQUE (orderId, kind)`).
package struct Notification: Sendable, Equatable {
    /// Its place among all notifications (assigned when stored; 0 before).
    package var sequence: Int64
    package var id: String
    package var customerId: String
    package var orderId: String
    package var kind: NotificationKind
    package var message: String
    package var reason: String?
    package var eventId: String
    package var eventPosition: Int64
    /// When the order changed.
    package var occurredAt: Date
    package var createdAt: Date

    package init(
        sequence: Int64 = 0, id: String = UUIDText.random(), customerId: String, orderId: String, kind: NotificationKind,
        message: String, reason: String? = nil, eventId: String, eventPosition: Int64, occurredAt: Date, createdAt: Date
    ) {
        self.sequence = sequence
        self.id = id
        self.customerId = customerId
        self.orderId = orderId
        self.kind = kind
        self.message = message
        self.reason = reason
        self.eventId = eventId
        self.eventPosition = eventPosition
        self.occurredAt = occurredAt
        self.createdAt = createdAt
    }

    /// The notification `event` calls for, if any. Its message is the order's own, which the order
    /// service writes for shoppers already.
    package static func made(from event: OrderEvent, at now: Date) -> Notification? {
        guard let kind = NotificationKind(eventType: event.type) else { return nil }
        return Notification(
            customerId: event.order.customerId,
            orderId: event.order.id,
            kind: kind,
            message: "Order \(event.order.id): \(event.order.message)",
            reason: kind == .rejected ? event.order.reason : nil,
            eventId: event.id,
            eventPosition: event.position,
            occurredAt: event.time,
            createdAt: now
        )
    }
}
