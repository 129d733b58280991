import Foundation
import Logging
import ServiceLifecycle
import WarehouseKit

/// Delivers the webhook outbox: every pending delivery whose time has come is claimed, sent signed,
/// and its attempt recorded; a failure is retried after a backoff with full jitter until the
/// delivery's window (24 h by default) is over. Deliveries live in the database, so ones left by a crash
/// are sent after the restart, under the same `webhook-id`: a receiver may see one twice (at least once,
/// as Standard Webhooks expects) and deduplicates on the id.
package struct WebhookDispatcher: Service {
    package let repository: any NotificationRepository
    package let sender: any WebhookSender
    package let policy: DeliveryPolicy
    /// Rung when deliveries are made, so they go out at once.
    package let bell: Doorbell
    package let metrics: NotificationMetrics
    package let logger: Logger
    /// The longest it sleeps when nothing is due and nobody rings.
    package var idlePoll: Duration = .seconds(5)

    package init(
        repository: any NotificationRepository, sender: any WebhookSender, policy: DeliveryPolicy, bell: Doorbell,
        metrics: NotificationMetrics, logger: Logger
    ) {
        self.repository = repository
        self.sender = sender
        self.policy = policy
        self.bell = bell
        self.metrics = metrics
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if try await runOnce() == 0 { await bell.wait(atMost: try await timeUntilNextDue()) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("webhook round failed", metadata: ["error": "\(error)"])
                    await bell.wait(atMost: idlePoll)
                }
            }
        }
    }

    /// Attempts every delivery due now (up to `policy.concurrency` at once). Returns how many it attempted.
    @discardableResult
    package func runOnce(now: Date = Date()) async throws -> Int {
        let due = try await repository.dueDeliveries(asOf: now, limit: policy.concurrency)
        guard !due.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            for delivery in due {
                group.addTask {
                    do {
                        try await attempt(delivery)
                    } catch {
                        // Its claim or record failed; it is due again when its lease runs out.
                        logger.error(
                            "webhook attempt not recorded", metadata: ["webhook_id": "\(delivery.deliveryId)", "error": "\(error)"])
                    }
                }
            }
        }
        return due.count
    }

    /// One attempt: claim the delivery, send it, record what happened.
    private func attempt(_ delivery: DueDelivery) async throws {
        let number = delivery.attempts + 1
        let started = Date()
        let claimed = try await repository.beginAttempt(
            deliveryId: delivery.deliveryId, number: number, at: started, leaseUntil: started.addingTimeInterval(policy.lease.seconds))
        guard claimed else { return }
        let request = Self.request(for: delivery, at: started)
        let clock = ContinuousClock.now
        let answer = await sender.send(request, timeout: policy.attemptTimeout)
        let elapsed = (ContinuousClock.now - clock).milliseconds
        let ended = Date()
        let result: AttemptResult =
            switch answer {
            case .status(let code) where (200..<300).contains(code):
                .delivered(statusCode: code)
            case .status(let code):
                .failed(
                    statusCode: code, error: "the receiver answered \(code)",
                    retryAt: policy.retryAt(after: number, failedAt: ended, giveUpAt: delivery.giveUpAt))
            case .noAnswer(let why):
                .failed(
                    statusCode: nil, error: why, retryAt: policy.retryAt(after: number, failedAt: ended, giveUpAt: delivery.giveUpAt))
            }
        try await repository.finishAttempt(
            deliveryId: delivery.deliveryId, number: number, result: result, durationMs: elapsed, at: ended)
        metrics.attempt(result)
        var metadata: Logger.Metadata = [
            "webhook_id": "\(delivery.deliveryId)", "order_id": "\(delivery.notification.orderId)", "attempt": "\(number)",
        ]
        switch result {
        case .delivered:
            logger.info("webhook delivered", metadata: metadata)
        case .failed(_, let error, let retryAt):
            metadata["error"] = "\(error)"
            if let retryAt {
                metadata["retry_at"] = "\(UTCTimestamp.iso8601(retryAt))"
                logger.warning("webhook attempt failed", metadata: metadata)
            } else {
                logger.error("webhook given up after its retry window", metadata: metadata)
            }
        }
    }

    /// The signed request of an attempt made at `now`. The body is the same on every attempt.
    package static func request(for delivery: DueDelivery, at now: Date) -> WebhookRequest {
        let body = WebhookPayload.body(of: delivery.notification)
        let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
        return WebhookRequest(
            url: delivery.url,
            headers: WebhookSignature.headers(id: delivery.deliveryId, timestamp: timestamp, body: body, secret: delivery.secret),
            body: body
        )
    }

    private func timeUntilNextDue() async throws -> Duration {
        guard let next = try await repository.nextDeliveryDue() else { return idlePoll }
        let wait = next.timeIntervalSinceNow
        guard wait > 0 else { return .zero }
        return min(.milliseconds(Int(wait * 1000) + 1), idlePoll)
    }
}
