import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Notification
import Prometheus
import Testing
import WarehouseKit
import WarehouseTestSupport

/// The follower against a real feed over loopback HTTP: an outbox in a SQLite file, served by the same
/// route the order service uses.
@Suite("Feed follower", .timeLimit(.minutes(5)))
struct FeedFollowerTests {
    func orderData(_ id: String, customer: String = "c-42", status: String) -> String {
        #"{"createdAt":"2026-12-02T10:00:00.000Z","customerId":"\#(customer)","id":"\#(id)","items":[],"message":"m","status":"\#(status)","updatedAt":"2026-12-02T10:00:00.000Z"}"#
    }

    @Test("reads every page, makes each notification once, keeps its cursor, and reports no lag once caught up")
    func followsTheFeed() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try SQLiteStore.open(path: directory.appendingPathComponent("orders.sqlite").path)
            try await pool.write { db in try SQLiteEventStore.createTables(db) }
            let feed = EventFeed(source: "/warehouse/order", store: SQLiteEventStore(pool), signal: CommitSignal())
            try await pool.write { db in
                for n in 1...30 {
                    try SQLiteEventStore.append(
                        OutboxEvent(type: EventType.orderPlaced, subject: "o-\(n)", time: Date(), data: orderData("o-\(n)", status: "pending")),
                        in: db)
                    try SQLiteEventStore.append(
                        OutboxEvent(
                            type: n.isMultiple(of: 3) ? EventType.orderRejected : EventType.orderShipped, subject: "o-\(n)",
                            time: Date(), data: orderData("o-\(n)", status: n.isMultiple(of: 3) ? "rejected" : "shipped")),
                        in: db)
                }
            }
            let router = Router()
            let serviceToken = BearerToken("feed-follower-test-service-token-0123")
            EventFeedRoute.register(
                feed, on: RouteTable(router: router), credentials: Credentials(admin: .unguessable(), service: serviceToken))
            try await Application(router: router).test(.live) { client in
                let port = try #require(client.port)
                let database = try SQLiteNotificationRepository(
                    try SQLiteStore.open(path: directory.appendingPathComponent("notifications.sqlite").path))
                let lag = FeedLag()
                var follower = FeedFollower(
                    feed: EventFeedClient(baseURL: "http://127.0.0.1:\(port)", httpClient: .shared, token: serviceToken),
                    repository: database,
                    lag: lag, deliveries: Doorbell(), policy: DeliveryPolicy(),
                    metrics: NotificationMetrics(registry: PrometheusCollectorRegistry()), logger: quietLogger)
                follower.pageSize = 7
                var position: Int64 = 0
                while position < 60 { position = try await follower.readOnce(after: position, waitMs: 0) }
                #expect(try await database.cursor(feed: FeedFollower.feedName) == 60)
                let notifications = try await database.notifications(customerId: nil, after: 0, limit: 500)
                #expect(notifications.count == 30)
                #expect(notifications.filter { $0.kind == .rejected }.count == 10)
                #expect(lag.snapshot().events == 0 && lag.snapshot().seconds == 0)

                // Read again from the start, as a replica behind the cursor does: the database refuses to go
                // back, nothing is stored, and the follower reads on from where the cursor is.
                #expect(try await follower.readOnce(after: 0, waitMs: 0) == 60)
                #expect(try await database.cursor(feed: FeedFollower.feedName) == 60)
                #expect(lag.snapshot().events == 0)
                #expect(try await database.notifications(customerId: nil, after: 0, limit: 500).count == 30)
            }
        }
    }

    @Test("lag: events behind, and how old the oldest unread may be")
    func lag() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let lag = FeedLag(startedAt: start, silenceLimit: .seconds(45))
        lag.applied(position: 500, latest: 1500, newestEventTime: start.addingTimeInterval(-20), at: start)
        #expect(lag.snapshot(at: start) == .init(events: 1000, seconds: 20, problem: nil))
        lag.applied(position: 1500, latest: 1500, newestEventTime: start, at: start.addingTimeInterval(1))
        #expect(lag.snapshot(at: start.addingTimeInterval(2)) == .init(events: 0, seconds: 0, problem: nil))
        lag.failed("connection refused")
        #expect(lag.snapshot(at: start.addingTimeInterval(2)).problem == "connection refused")
        // Silent for longer than the limit: behind by at least that long, whatever the last page said.
        #expect(lag.snapshot(at: start.addingTimeInterval(61)).seconds == 60)
    }

    @Test("the lag checks warn past their thresholds, and never fail")
    func lagHealth() async {
        let lag = FeedLag()
        lag.applied(position: 10, latest: 2000, newestEventTime: Date().addingTimeInterval(-100))
        let events = await FeedLagIndicator(lag: lag, measure: .events(threshold: 1000)).check()
        #expect(events.status == .warn && events.observedValue == 1990 && events.observedUnit == "events")
        #expect(events.output?.contains("1990 events not yet read") == true)
        let seconds = await FeedLagIndicator(lag: lag, measure: .seconds(threshold: 30)).check()
        #expect(seconds.status == .warn && seconds.observedUnit == "s")
        lag.applied(position: 2000, latest: 2000, newestEventTime: Date())
        #expect(await FeedLagIndicator(lag: lag, measure: .events(threshold: 1000)).check().status == .pass)
        #expect(await FeedLagIndicator(lag: lag, measure: .seconds(threshold: 30)).check().status == .pass)
    }
}
