import Foundation
import Notification
import Testing
import WarehouseKit

/// The cursor, the inbox and the webhook outbox, on each storage backend.
@Suite("Notification database", .timeLimit(.minutes(3)))
struct NotificationRepositoryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_100)
    let window = Duration.seconds(24 * 3600)

    let page = [
        orderEvent(EventType.orderPlaced, order: "o-1", position: 1),
        orderEvent(EventType.orderShipped, order: "o-1", position: 2),
        orderEvent(EventType.orderPlaced, order: "o-2", customer: "c-7", position: 3),
        orderEvent(EventType.orderDelayed, order: "o-2", customer: "c-7", position: 4),
        orderEvent(EventType.orderRejected, order: "o-2", customer: "c-7", position: 5, reason: "No stock of A."),
    ]

    @Test("one notification per shipped, rejected or delayed order; placed makes none; the cursor moves with them")
    func apply() async throws {
        try await withNotificationRepository { database in
            let applied = try await database.apply(page, feed: "order", from: 0, to: 5, now: now, retryWindow: window)
            #expect(applied == AppliedEvents(notifications: [.shipped: 1, .delayed: 1, .rejected: 1], deliveries: 0))
            #expect(try await database.cursor(feed: "order") == 5)
            let all = try await database.notifications(customerId: nil, after: 0, limit: 100)
            #expect(all.map(\.kind) == [.shipped, .delayed, .rejected])
            #expect(all.map(\.orderId) == ["o-1", "o-2", "o-2"])
            #expect(all.map(\.sequence) == [1, 2, 3])
            #expect(all[2].reason == "No stock of A.")
            #expect(all[0].reason == nil)
            #expect(all[0].message == "Order o-1: Message of o-1.")
            #expect(all[0].eventId == "event-2" && all[0].eventPosition == 2)
            #expect(try await database.notifications(customerId: "c-7", after: 0, limit: 100).map(\.orderId) == ["o-2", "o-2"])
            #expect(try await database.notifications(customerId: "c-7", after: 2, limit: 100).map(\.kind) == [.rejected])
            #expect(try await database.notifications(customerId: nil, after: 0, limit: 1).count == 1)
        }
    }

    @Test("a page read again from a stale cursor stores nothing and says where the cursor is")
    func staleCursor() async throws {
        try await withNotificationRepository { database in
            _ = try await database.apply(page, feed: "order", from: 0, to: 5, now: now, retryWindow: window)
            await #expect(throws: NotificationStoreError.cursorMoved(expected: 0, found: 5)) {
                try await database.apply(page, feed: "order", from: 0, to: 5, now: now, retryWindow: window)
            }
            #expect(try await database.notifications(customerId: nil, after: 0, limit: 100).count == 3)
        }
    }

    @Test("the same transition seen again later makes no second notification")
    func duplicateTransition() async throws {
        try await withNotificationRepository { database in
            _ = try await database.apply(page, feed: "order", from: 0, to: 5, now: now, retryWindow: window)
            let again = [orderEvent(EventType.orderShipped, order: "o-1", position: 6)]
            let applied = try await database.apply(again, feed: "order", from: 5, to: 6, now: now, retryWindow: window)
            #expect(applied == AppliedEvents())
            #expect(try await database.cursor(feed: "order") == 6)
            #expect(try await database.notifications(customerId: nil, after: 0, limit: 100).count == 3)
        }
    }

    @Test("subscriptions: created with a secret, re-pointed keeping it")
    func subscriptions() async throws {
        try await withNotificationRepository { database in
            let (created, isNew) = try await database.putSubscription(customerId: "c-42", url: "http://a.example/h", now: now)
            #expect(isNew)
            #expect(created.secret.text.hasPrefix("whsec_"))
            let (moved, isNewAgain) = try await database.putSubscription(
                customerId: "c-42", url: "http://b.example/h", now: now.addingTimeInterval(1))
            #expect(!isNewAgain)
            #expect(moved.url == "http://b.example/h" && moved.secret == created.secret)
            #expect(moved.createdAt == created.createdAt && moved.updatedAt > created.updatedAt)
            #expect(try await database.subscription(customerId: "c-9") == nil)
        }
    }

    @Test("a subscribed customer's notification owes a delivery, due at once, in the same transaction")
    func deliveries() async throws {
        try await withNotificationRepository { database in
            _ = try await database.putSubscription(customerId: "c-7", url: "http://hooks.example/c7", now: now)
            let applied = try await database.apply(page, feed: "order", from: 0, to: 5, now: now, retryWindow: window)
            #expect(applied.deliveries == 2)
            let due = try await database.dueDeliveries(asOf: now, limit: 10)
            #expect(due.map(\.notification.kind) == [.delayed, .rejected])
            #expect(due.allSatisfy { $0.url == "http://hooks.example/c7" && $0.attempts == 0 })
            #expect(due.allSatisfy { $0.giveUpAt == now.addingTimeInterval(24 * 3600) })
            #expect(try await database.nextDeliveryDue() == now)
        }
    }

    @Test("attempts: claimed once, recorded, retried, delivered; an abandoned one shows as interrupted")
    func attempts() async throws {
        try await withNotificationRepository { database in
            _ = try await database.putSubscription(customerId: "c-42", url: "http://hooks.example/c42", now: now)
            _ = try await database.apply(Array(page.prefix(2)), feed: "order", from: 0, to: 2, now: now, retryWindow: window)
            let delivery = try #require(try await database.dueDeliveries(asOf: now, limit: 10).first)
            let lease = now.addingTimeInterval(40)
            #expect(try await database.beginAttempt(deliveryId: delivery.deliveryId, number: 1, at: now, leaseUntil: lease))
            // Claimed: not due again, and nobody else may claim it, until the lease runs out.
            #expect(try await database.dueDeliveries(asOf: now, limit: 10).isEmpty)
            #expect(try await !database.beginAttempt(deliveryId: delivery.deliveryId, number: 1, at: now, leaseUntil: lease))
            // The process died during attempt 1: after the lease, attempt 2 marks it interrupted.
            let later = lease.addingTimeInterval(1)
            #expect(try await database.dueDeliveries(asOf: later, limit: 10).first?.attempts == 1)
            #expect(try await database.beginAttempt(deliveryId: delivery.deliveryId, number: 2, at: later, leaseUntil: later + 40))
            let retryAt = later.addingTimeInterval(5)
            try await database.finishAttempt(
                deliveryId: delivery.deliveryId, number: 2,
                result: .failed(statusCode: 500, error: "the receiver answered 500", retryAt: retryAt), durationMs: 12,
                at: later)
            #expect(try await database.nextDeliveryDue() == retryAt)
            #expect(try await database.beginAttempt(deliveryId: delivery.deliveryId, number: 3, at: retryAt, leaseUntil: retryAt + 40))
            try await database.finishAttempt(
                deliveryId: delivery.deliveryId, number: 3, result: .delivered(statusCode: 204), durationMs: 3, at: retryAt)

            let recorded = try #require(try await database.deliveries(customerId: "c-42", status: nil, limit: 10).first)
            #expect(recorded.id == delivery.deliveryId && recorded.id.hasPrefix("msg_"))
            #expect(recorded.status == .delivered && recorded.deliveredAt == retryAt && recorded.nextAttemptAt == nil)
            #expect(recorded.eventType == EventType.orderShipped)
            #expect(recorded.attempts.map(\.outcome) == [.interrupted, .failed, .delivered])
            #expect(recorded.attempts.map(\.statusCode) == [nil, 500, 204])
            #expect(try await database.deliveries(customerId: nil, status: .pending, limit: 10).isEmpty)
            #expect(try await database.nextDeliveryDue() == nil)
        }
    }

    @Test("a delivery past its window is given up")
    func givenUp() async throws {
        try await withNotificationRepository { database in
            _ = try await database.putSubscription(customerId: "c-42", url: "http://hooks.example/c42", now: now)
            _ = try await database.apply(Array(page.prefix(2)), feed: "order", from: 0, to: 2, now: now, retryWindow: window)
            let delivery = try #require(try await database.dueDeliveries(asOf: now, limit: 10).first)
            _ = try await database.beginAttempt(deliveryId: delivery.deliveryId, number: 1, at: now, leaseUntil: now + 40)
            try await database.finishAttempt(
                deliveryId: delivery.deliveryId, number: 1, result: .failed(statusCode: nil, error: "connection refused", retryAt: nil),
                durationMs: 1, at: now)
            let recorded = try await database.deliveries(customerId: nil, status: .failed, limit: 10)
            #expect(recorded.map(\.id) == [delivery.deliveryId])
            #expect(recorded.first?.attempts.first?.error == "connection refused")
        }
    }
}
