import Foundation
import NIOHTTP1

/// One order transition a customer must be told about: an order and what happened to it.
package struct Transition: Hashable, Sendable, Codable {
    package var orderId: String
    /// `shipped`, `rejected` or `delayed`.
    package var kind: String

    package init(orderId: String, kind: String) {
        self.orderId = orderId
        self.kind = kind
    }
}

/// The notification invariant: exactly one notification per order transition. The order feed says
/// which transitions happened (an event commits exactly with its change); the notification service
/// says what it made of them.
package struct NotificationFigures: Sendable, Codable, Equatable {
    /// Shipped, rejected and delayed events in the order feed.
    package var transitions = 0
    package var notifications = 0
    /// Transitions without a notification.
    package var missing = 0
    /// Notifications beyond the first for one transition.
    package var duplicated = 0
    /// Notifications for a transition the feed does not hold.
    package var unexpected = 0
    /// Final orders (shipped, rejected) whose transition is not in the feed: the outbox missed a change.
    package var finalOrdersWithoutEvent = 0
    /// The most the notification service lagged behind the feed while it was watched.
    package var maxLagEvents = 0
    package var maxLagSeconds = 0.0

    package init() {}

    package var violations: [String] {
        var found: [String] = []
        if missing > 0 { found.append("\(missing) order transitions without a notification") }
        if duplicated > 0 { found.append("\(duplicated) duplicated notifications") }
        if unexpected > 0 { found.append("\(unexpected) notifications for transitions the order feed does not hold") }
        if finalOrdersWithoutEvent > 0 { found.append("\(finalOrdersWithoutEvent) final orders without their event") }
        return found
    }

    /// Compares the transitions the feed holds with the notifications made, and (when given) the final
    /// orders with the feed.
    package static func evaluate(
        transitions: [Transition], notifications: [Transition], orders: [Contract.Order] = []
    ) -> NotificationFigures {
        var figures = NotificationFigures()
        let happened = Set(transitions)
        figures.transitions = happened.count
        figures.notifications = notifications.count
        let made = Dictionary(grouping: notifications, by: { $0 }).mapValues(\.count)
        figures.missing = happened.filter { made[$0] == nil }.count
        figures.duplicated = made.values.reduce(0) { $0 + max(0, $1 - 1) }
        figures.unexpected = made.keys.filter { !happened.contains($0) }.count
        figures.finalOrdersWithoutEvent = orders.filter { $0.status != "pending" }
            .filter { !happened.contains(Transition(orderId: $0.id, kind: $0.status)) }.count
        return figures
    }
}

/// Reads what the invariant needs over HTTP: every order transition in the order feed, every
/// notification, and the notification service's lag from its `/health`.
package struct NotificationAudit: Sendable {
    package let http: LabHTTP
    package let orderURL: String
    package let notificationURL: String

    package init(http: LabHTTP, orderURL: String, notificationURL: String) {
        self.http = http
        self.orderURL = orderURL
        self.notificationURL = notificationURL
    }

    private struct FeedPage: Decodable {
        struct Event: Decodable {
            var type: String
            var subject: String
        }
        var events: [Event]
        var next: Int64
        var latest: Int64
    }

    private struct NotificationPage: Decodable {
        struct Item: Decodable {
            var sequence: Int64
            var orderId: String
            var kind: String
        }
        var notifications: [Item]
    }

    /// Every shipped, rejected and delayed event the order feed holds, from its start.
    package func transitions() async throws -> [Transition] {
        var found: [Transition] = []
        var position: Int64 = 0
        while true {
            let reply = try await http.send(.GET, "\(orderURL)/events?after=\(position)&limit=500")
            guard reply.status == 200 else { throw LabError.unexpected("GET /events answered \(reply.status)") }
            let page = try reply.json(FeedPage.self)
            for event in page.events {
                let kind = event.type.split(separator: ".").last.map(String.init) ?? ""
                if ["shipped", "rejected", "delayed"].contains(kind) { found.append(Transition(orderId: event.subject, kind: kind)) }
            }
            guard page.next < page.latest, !page.events.isEmpty else { return found }
            position = page.next
        }
    }

    /// Every notification the service has made, every customer's.
    package func notifications() async throws -> [Transition] {
        var found: [Transition] = []
        var after: Int64 = 0
        while true {
            let reply = try await http.send(.GET, "\(notificationURL)/notifications?after=\(after)&limit=500")
            guard reply.status == 200 else { throw LabError.unexpected("GET /notifications answered \(reply.status)") }
            let items = try reply.json(NotificationPage.self).notifications
            found += items.map { Transition(orderId: $0.orderId, kind: $0.kind) }
            guard items.count == 500, let last = items.last else { return found }
            after = last.sequence
        }
    }

    /// The notification service's lag as its `/health` reports it: events behind and seconds behind.
    package func lag() async throws -> (events: Int, seconds: Double) {
        struct Report: Decodable {
            struct Check: Decodable { var observedValue: Double? }
            var checks: [String: [Check]]
        }
        let report = try await http.send(.GET, "\(notificationURL)/health", timeout: .seconds(5)).json(Report.self)
        return (
            Int(report.checks["orderFeed:lag"]?.first?.observedValue ?? 0),
            report.checks["orderFeed:lagTime"]?.first?.observedValue ?? 0
        )
    }

    /// Reads the feed and the notifications until every transition has its notification, or `timeout`
    /// passes, or (with `stalledAfter`) the missing ones have not become fewer for that long; returns the
    /// figures of the last look either way. A starved machine catches up slowly, but it catches up.
    package func settle(timeout: Duration, stalledAfter stall: Duration? = nil, orders: [Contract.Order] = []) async throws
        -> NotificationFigures
    {
        let giveUp = ContinuousClock.now + timeout
        var progress = BacklogProgress()
        while true {
            let figures = NotificationFigures.evaluate(
                transitions: try await transitions(), notifications: try await notifications(), orders: orders)
            progress.note(figures.missing)
            if figures.missing == 0 || ContinuousClock.now >= giveUp || progress.stalled(for: stall) { return figures }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// Samples the notification service's lag every half second until cancelled; returns the largest seen.
/// A sample it cannot take (notification killed, restarting) is skipped.
enum LagWatch {
    static func watch(_ audit: NotificationAudit) async -> (events: Int, seconds: Double) {
        var most = (events: 0, seconds: 0.0)
        while !Task.isCancelled {
            if let lag = try? await audit.lag() {
                most = (max(most.events, lag.events), max(most.seconds, lag.seconds))
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return most
    }
}
