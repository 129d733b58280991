import Foundation
import Notification
import Prometheus
import Testing
import WarehouseKit
import WarehouseTestSupport

/// Two notification processes on one PostgreSQL database, each with its own pool, as two replicas are:
/// the cursor, the notifications and the deliveries must be decided by the database.
@Suite(
    "Notification replicas on one PostgreSQL database", .timeLimit(.minutes(3)),
    .enabled(if: TestPostgres.isAvailable, "\(TestPostgres.unavailableReason ?? "")"))
struct NotificationReplicaTests {
    let now = Date(timeIntervalSince1970: 1_800_000_100)
    let window = Duration.seconds(24 * 3600)

    /// Two replicas' storage of one fresh notification schema.
    static func withReplicas(
        _ body: (any NotificationRepository, any NotificationRepository) async throws -> Void
    ) async throws {
        try await StorageBackend.postgres.withReplicas(named: "notifications", open: { try await NotificationStorage.open($0) }) {
            try await body($0.repository, $1.repository)
        }
    }

    /// A feed of `orders` orders, each placed then shipped: positions 1 to 2 × `orders`.
    func feed(orders: Int) -> [OrderEvent] {
        var events: [OrderEvent] = []
        for index in 0..<orders {
            let placed = Int64(2 * index + 1)
            events.append(orderEvent(EventType.orderPlaced, order: "o-\(index)", position: placed))
            events.append(orderEvent(EventType.orderShipped, order: "o-\(index)", position: placed + 1))
        }
        return events
    }

    /// Follows `feed` as `FeedFollower` does, page by page from the cursor, until the end: a page whose
    /// start the other replica has moved past is not applied, and reading goes on from the cursor.
    /// Returns how many pages it applied and how many it found already taken.
    func follow(_ feed: [OrderEvent], into database: any NotificationRepository, pageSize: Int) async throws -> (Int, Int) {
        var position = try await database.cursor(feed: "order")
        var applied = 0
        var moved = 0
        while position < Int64(feed.count) {
            let page = Array(feed[Int(position)..<min(feed.count, Int(position) + pageSize)])
            let next = page.last?.position ?? position
            do {
                _ = try await database.apply(page, feed: "order", from: position, to: next, now: now, retryWindow: window)
                applied += 1
                position = next
            } catch NotificationStoreError.cursorMoved(expected: _, found: let found) {
                moved += 1
                position = found
            }
        }
        return (applied, moved)
    }

    @Test("two replicas applying the same pages at once make each notification once, and the cursor ends at the end")
    func concurrentAppliers() async throws {
        let orders = 150
        let events = feed(orders: orders)
        try await Self.withReplicas { first, second in
            async let one = follow(events, into: first, pageSize: 10)
            async let two = follow(events, into: second, pageSize: 10)
            let ((appliedFirst, _), (appliedSecond, _)) = try await (one, two)
            // Pages start at multiples of 10 whoever reads them: each was applied by exactly one replica.
            #expect(appliedFirst + appliedSecond == events.count / 10)
            #expect(try await first.cursor(feed: "order") == Int64(events.count))
            let all = try await second.notifications(customerId: nil, after: 0, limit: 1000)
            #expect(all.count == orders)
            #expect(Set(all.map(\.orderId)).count == orders)
            #expect(all.allSatisfy { $0.kind == .shipped })
            // Pages applied one at a time, in feed order, whichever replica applied each: the inbox's
            // sequence follows the feed, so a reader paging with `after` never skips one.
            #expect(all.map(\.orderId) == (0..<orders).map { "o-\($0)" })
        }
    }

    @Test("two dispatchers claiming the same due deliveries at once deliver each exactly once")
    func concurrentDispatchers() async throws {
        try await Self.withReplicas { first, second in
            // The dispatcher claims at the clock's time: the deliveries are due by it.
            let made = Date().addingTimeInterval(-60)
            _ = try await first.putSubscription(customerId: "c-42", url: "http://hooks.example/h", now: made)
            let events = feed(orders: 40)
            _ = try await first.apply(events, feed: "order", from: 0, to: Int64(events.count), now: made, retryWindow: window)
            let receiver = ScriptedReceiver([])
            func dispatcher(_ database: any NotificationRepository) -> WebhookDispatcher {
                var policy = DeliveryPolicy()
                policy.concurrency = 64
                return WebhookDispatcher(
                    repository: database, sender: receiver, policy: policy, bell: Doorbell(),
                    metrics: NotificationMetrics(registry: PrometheusCollectorRegistry()), logger: quietLogger)
            }
            let at = Date()
            // Both read the same 40 due deliveries before either claims one.
            async let one = dispatcher(first).runOnce(now: at)
            async let two = dispatcher(second).runOnce(now: at)
            let (seenFirst, seenSecond) = try await (one, two)
            #expect(seenFirst + seenSecond > 0)
            // Whatever one of them left (it read the list after the other's claims), a later round sends.
            while try await !first.deliveries(customerId: nil, status: .pending, limit: 1).isEmpty {
                _ = try await dispatcher(second).runOnce(now: Date())
            }
            let ids = receiver.requests.compactMap { request in request.headers.first { $0.0 == "webhook-id" }?.1 }
            #expect(ids.count == 40, "each delivery sent once")
            #expect(Set(ids).count == 40)
            let delivered = try await second.deliveries(customerId: "c-42", status: .delivered, limit: 100)
            #expect(delivered.count == 40)
            #expect(delivered.allSatisfy { $0.attempts.map(\.outcome) == [.delivered] })
        }
    }

    @Test("a claim made with a stale attempt count applies nothing, and a late attempt cannot cut the next lease short")
    func staleClaimAndLateFinish() async throws {
        try await Self.withReplicas { first, second in
            _ = try await first.putSubscription(customerId: "c-42", url: "http://hooks.example/h", now: now)
            _ = try await first.apply(
                [orderEvent(EventType.orderShipped, order: "o-1", position: 1)], feed: "order", from: 0, to: 1, now: now,
                retryWindow: window)
            let delivery = try #require(try await second.dueDeliveries(asOf: now, limit: 1).first)
            // The first replica's attempt 1 outlives its lease (its process paused); the second claims attempt 2.
            #expect(try await first.beginAttempt(deliveryId: delivery.deliveryId, number: 1, at: now, leaseUntil: now + 15))
            let later = now + 16
            #expect(try await second.beginAttempt(deliveryId: delivery.deliveryId, number: 2, at: later, leaseUntil: later + 15))
            // Attempt 1 fails late: it must not hand the delivery back before attempt 2's lease is over.
            try await first.finishAttempt(
                deliveryId: delivery.deliveryId, number: 1,
                result: .failed(statusCode: 500, error: "the receiver answered 500", retryAt: later + 1), durationMs: 1, at: later)
            #expect(try await first.dueDeliveries(asOf: later + 2, limit: 10).isEmpty)
            #expect(try await first.nextDeliveryDue() == later + 15)
            // A replica that read the delivery before attempt 2 claims with number 2 once due: refused, no error.
            #expect(try await !first.beginAttempt(deliveryId: delivery.deliveryId, number: 2, at: later + 20, leaseUntil: later + 35))
            try await second.finishAttempt(
                deliveryId: delivery.deliveryId, number: 2, result: .delivered(statusCode: 204), durationMs: 1, at: later + 1)
            let recorded = try #require(try await first.deliveries(customerId: "c-42", status: nil, limit: 1).first)
            #expect(recorded.status == .delivered)
            #expect(recorded.attempts.map(\.outcome) == [.interrupted, .delivered])
        }
    }
}
