import Foundation
import Logging
import ServiceLifecycle
import WarehouseKit

/// Reads the order feed from the cursor kept in this service's database and applies each page in one
/// transaction with the cursor's move, so a crash at any moment leaves either the page applied and the
/// cursor past it, or neither. A page read twice (after a crash, or by two replicas) makes nothing twice:
/// the notifications are unique per order and kind, and the cursor only moves from where it was read (a
/// compare-and-set: a replica whose page starts behind the cursor applies nothing and reads on from the
/// cursor).
///
/// It long-polls (`waitMs`), so a new order event reaches it as soon as it commits; when the feed cannot
/// be read it tries again after a backoff with full jitter. The order service never waits for it.
package struct FeedFollower: Service {
    /// The name of the cursor, in `feedCursors`.
    package static let feedName = "order"

    package let feed: EventFeedClient
    package let repository: any NotificationRepository
    package let lag: FeedLag
    /// Rung when a page made webhook deliveries, so the dispatcher sends them at once.
    package let deliveries: Doorbell
    package let policy: DeliveryPolicy
    package let metrics: NotificationMetrics
    package let logger: Logger
    package var pageSize = EventFeed.limits.upperBound
    /// How long the order service may hold a read open while it has nothing new.
    package var waitMs = 10_000
    package var retry = Backoff(base: .milliseconds(100), cap: .seconds(5))
    /// The wait before reading again after the feed said our position is gone (410) or unknown (409):
    /// nothing will change by itself, but an operator may mend it.
    package var stuckRetry: Duration = .seconds(30)

    package init(
        feed: EventFeedClient, repository: any NotificationRepository, lag: FeedLag, deliveries: Doorbell,
        policy: DeliveryPolicy, metrics: NotificationMetrics, logger: Logger
    ) {
        self.feed = feed
        self.repository = repository
        self.lag = lag
        self.deliveries = deliveries
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            var position: Int64?
            while !Task.isCancelled {
                do {
                    let from = if let position { position } else { try await repository.cursor(feed: Self.feedName) }
                    position = try await readOnce(after: from)
                    failures = 0
                } catch is CancellationError {
                    return
                } catch {
                    position = nil  // read the cursor again: another reader may have moved it
                    try? await Task.sleep(for: wait(after: error, failures: failures))
                    failures += 1
                }
            }
        }
    }

    /// Reads one page after `position` and applies it. Returns the new position.
    @discardableResult
    package func readOnce(after position: Int64, waitMs: Int? = nil) async throws -> Int64 {
        let page = try await feed.page(of: OrderSnapshot.self, after: position, limit: pageSize, waitMs: waitMs ?? self.waitMs)
        let events = page.events.map(OrderEvent.init)
        let applied: AppliedEvents
        do {
            applied = try await repository.apply(
                events, feed: Self.feedName, from: position, to: page.next, now: Date(), retryWindow: policy.window)
        } catch NotificationStoreError.cursorMoved(expected: _, found: let found) {
            // Another replica applied from here first and nothing was stored: read on from where it left
            // the cursor. The feed did answer, so this replica is no more behind than the cursor.
            logger.debug("feed cursor moved by another reader", metadata: ["from": "\(position)", "cursor": "\(found)"])
            lag.applied(position: found, latest: page.latest, newestEventTime: nil)
            return found
        }
        lag.applied(position: page.next, latest: page.latest, newestEventTime: events.last?.time)
        let snapshot = lag.snapshot()
        metrics.lag(events: snapshot.events, seconds: snapshot.seconds)
        metrics.applied(applied, events: events.count)
        if applied.deliveries > 0 { deliveries.ring() }
        return page.next
    }

    /// Records why a read failed and says how long to wait before the next.
    private func wait(after error: any Error, failures: Int) -> Duration {
        switch error {
        case let error as EventFeedReadError where error.isStuck:
            logger.critical("order feed cannot go on from our position", metadata: ["error": "\(error)"])
            lag.failed(error.description)
            return stuckRetry
        case let error as NotificationStoreError:
            logger.notice("feed cursor moved by another reader", metadata: ["error": "\(error)"])
            return .zero
        default:
            let reason = ConnectionFailure.describe(error, timeout: .milliseconds(waitMs))
            if failures == 0 { logger.warning("order feed unreadable; retrying", metadata: ["error": "\(reason)"]) }
            // What /health shows anyone: the failure's kind, not an error's own description.
            lag.failed(ConnectionFailure.known(error, timeout: .milliseconds(waitMs)) ?? (error as? EventFeedReadError)?.description ?? "the call failed")
            return retry.delay(attempt: failures)
        }
    }
}

extension EventFeedReadError {
    /// 410 or 409: the position itself is the trouble, so retrying soon changes nothing.
    var isStuck: Bool {
        switch self {
        case .pruned, .ahead: true
        case .unexpected: false
        }
    }
}
