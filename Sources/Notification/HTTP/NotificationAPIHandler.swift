import Foundation
import NotificationAPI
import OpenAPIRuntime
import WarehouseKit

/// The notification API: generated types in, generated types out, the repository in between.
package struct NotificationAPIHandler: APIProtocol {
    package let repository: any NotificationRepository
    /// Rung when a subscription changes, so deliveries waiting for it are looked at again.
    package let deliveries: Doorbell

    package init(repository: any NotificationRepository, deliveries: Doorbell = Doorbell()) {
        self.repository = repository
        self.deliveries = deliveries
    }

    package func listNotifications(_ input: Operations.ListNotifications.Input) async throws
        -> Operations.ListNotifications.Output
    {
        let customerId = try Self.customerId(input.query.customerId)
        let after = input.query.after ?? 0
        guard after >= 0 else { throw RequestError.invalidParameter(name: "after", detail: "must not be negative") }
        let limit = try Self.limit(input.query.limit)
        let notifications = try await repository.notifications(customerId: customerId, after: after, limit: limit)
        return .ok(.init(body: .json(.init(notifications: notifications.map(Components.Schemas.Notification.init)))))
    }

    package func putSubscription(_ input: Operations.PutSubscription.Input) async throws -> Operations.PutSubscription.Output {
        guard case .json(let body) = input.body else { throw RequestError.unsupportedMediaType(nil) }
        guard let customerId = try Self.customerId(input.path.customerId) else {
            throw RequestError.invalidParameter(name: "customerId", detail: "is required")
        }
        let (subscription, created) = try await repository.putSubscription(customerId: customerId, url: body.url, now: Date())
        deliveries.ring()
        let representation = Components.Schemas.Subscription(subscription)
        return created ? .created(.init(body: .json(representation))) : .ok(.init(body: .json(representation)))
    }

    package func getSubscription(_ input: Operations.GetSubscription.Input) async throws -> Operations.GetSubscription.Output {
        guard let customerId = try Self.customerId(input.path.customerId) else {
            throw RequestError.invalidParameter(name: "customerId", detail: "is required")
        }
        guard let subscription = try await repository.subscription(customerId: customerId) else {
            throw NotificationError.subscriptionNotFound(customerId: customerId)
        }
        return .ok(.init(body: .json(.init(subscription))))
    }

    package func listDeliveries(_ input: Operations.ListDeliveries.Input) async throws -> Operations.ListDeliveries.Output {
        let customerId = try Self.customerId(input.query.customerId)
        let status = input.query.status.flatMap { DeliveryStatus(rawValue: $0.rawValue) }
        let limit = try Self.limit(input.query.limit)
        let deliveries = try await repository.deliveries(customerId: customerId, status: status, limit: limit)
        return .ok(.init(body: .json(.init(deliveries: deliveries.map(Components.Schemas.Delivery.init)))))
    }

    /// A customer id from a path or query, checked as `POST /orders` checks it.
    private static func customerId(_ text: String?) throws(RequestError) -> String? {
        guard let text else { return nil }
        guard NotificationBodySchemas.isCustomerId(text) else {
            throw .invalidParameter(name: "customerId", detail: "must be 1 to 128 characters of printable text that is not blank")
        }
        return text
    }

    private static func limit(_ value: Int?) throws(RequestError) -> Int {
        let limit = value ?? 100
        guard (1...500).contains(limit) else { throw .invalidParameter(name: "limit", detail: "must be between 1 and 500") }
        return limit
    }
}

extension Components.Schemas.Notification {
    init(_ notification: Notification) {
        self.init(
            id: notification.id,
            sequence: notification.sequence,
            customerId: notification.customerId,
            orderId: notification.orderId,
            kind: Components.Schemas.NotificationKind(rawValue: notification.kind.rawValue) ?? .delayed,
            message: notification.message,
            reason: notification.reason,
            eventId: notification.eventId,
            eventType: notification.kind.eventType,
            occurredAt: notification.occurredAt,
            createdAt: notification.createdAt
        )
    }
}

extension Components.Schemas.Subscription {
    init(_ subscription: Subscription) {
        self.init(
            customerId: subscription.customerId,
            url: subscription.url,
            secret: subscription.secret.text,
            createdAt: subscription.createdAt,
            updatedAt: subscription.updatedAt
        )
    }
}

extension Components.Schemas.Delivery {
    init(_ delivery: Delivery) {
        self.init(
            id: delivery.id,
            notificationId: delivery.notificationId,
            customerId: delivery.customerId,
            eventType: delivery.eventType,
            status: Components.Schemas.DeliveryStatus(rawValue: delivery.status.rawValue) ?? .pending,
            createdAt: delivery.createdAt,
            nextAttemptAt: delivery.nextAttemptAt,
            deliveredAt: delivery.deliveredAt,
            giveUpAt: delivery.giveUpAt,
            attempts: delivery.attempts.map { attempt in
                .init(
                    number: attempt.number,
                    startedAt: attempt.startedAt,
                    durationMs: attempt.durationMs,
                    outcome: .init(rawValue: attempt.outcome.rawValue) ?? .failed,
                    statusCode: attempt.statusCode,
                    error: attempt.error
                )
            }
        )
    }
}
