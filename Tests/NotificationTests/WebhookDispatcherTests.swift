import Foundation
import Notification
import Prometheus
import Synchronization
import Testing
import WarehouseKit

/// A receiver whose answers the test scripts, and which keeps every request it got.
final class ScriptedReceiver: WebhookSender {
    private let state: Mutex<(answers: [WebhookAnswer], requests: [WebhookRequest])>

    init(_ answers: [WebhookAnswer]) {
        state = Mutex((answers, []))
    }

    var requests: [WebhookRequest] { state.withLock { $0.requests } }

    func send(_ request: WebhookRequest, timeout: Duration) async -> WebhookAnswer {
        state.withLock { state in
            state.requests.append(request)
            return state.answers.isEmpty ? .status(200) : state.answers.removeFirst()
        }
    }
}

@Suite("Webhook dispatcher", .timeLimit(.minutes(3)))
struct WebhookDispatcherTests {
    let now = Date()

    func dispatcher(_ database: any NotificationRepository, _ receiver: ScriptedReceiver) -> WebhookDispatcher {
        var policy = DeliveryPolicy()
        policy.backoff = Backoff(base: .milliseconds(1), cap: .milliseconds(1))
        return WebhookDispatcher(
            repository: database, sender: receiver, policy: policy, bell: Doorbell(),
            metrics: NotificationMetrics(registry: PrometheusCollectorRegistry()), logger: quietLogger)
    }

    func header(_ name: String, of request: WebhookRequest) -> String? {
        request.headers.first { $0.0 == name }?.1
    }

    @Test("a failed attempt is retried under the same webhook-id, every attempt signed and recorded")
    func retried() async throws {
        try await withNotificationRepository { database in
            let (subscription, _) = try await database.putSubscription(customerId: "c-42", url: "http://hooks.example/h", now: now)
            _ = try await database.apply(
                [orderEvent(EventType.orderShipped, order: "o-1", position: 1)], feed: "order", from: 0, to: 1, now: now,
                retryWindow: .seconds(24 * 3600))
            let receiver = ScriptedReceiver([.status(500), .noAnswer("no answer within 10000 ms"), .status(204)])
            let dispatcher = dispatcher(database, receiver)
            var rounds = 0
            while try await database.deliveries(customerId: nil, status: .pending, limit: 1).count == 1 {
                rounds += try await dispatcher.runOnce(now: Date().addingTimeInterval(1))
                #expect(rounds < 10)
            }
            let requests = receiver.requests
            #expect(requests.count == 3)
            #expect(Set(requests.map { header("webhook-id", of: $0) }).count == 1)
            #expect(Set(requests.map(\.body)).count == 1)
            for request in requests {
                let id = try #require(header("webhook-id", of: request))
                let timestamp = try #require(header("webhook-timestamp", of: request).flatMap { Int64($0) })
                #expect(
                    header("webhook-signature", of: request)
                        == WebhookSignature.sign(id: id, timestamp: timestamp, body: request.body, secret: subscription.secret))
                #expect(request.url == "http://hooks.example/h")
            }
            let body = try #require(try JSONSerialization.jsonObject(with: requests[0].body) as? [String: Any])
            #expect(body["type"] as? String == EventType.orderShipped)
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["orderId"] as? String == "o-1" && data["kind"] as? String == "shipped")
            let delivery = try #require(try await database.deliveries(customerId: "c-42", status: nil, limit: 1).first)
            #expect(delivery.status == .delivered)
            #expect(delivery.attempts.map(\.outcome) == [.failed, .failed, .delivered])
            #expect(delivery.attempts.map(\.error) == ["the receiver answered 500", "no answer within 10000 ms", nil])
        }
    }

    @Test("nothing due: nothing sent")
    func idle() async throws {
        try await withNotificationRepository { database in
            let receiver = ScriptedReceiver([])
            let attempted = try await dispatcher(database, receiver).runOnce()
            #expect(attempted == 0)
            #expect(receiver.requests.isEmpty)
        }
    }
}
