import Prometheus

/// The notification service's domain figures, in its Prometheus registry.
package struct NotificationMetrics: Sendable {
    private let made: [NotificationKind: Counter]
    private let eventsRead: Counter
    private let lagEvents: Gauge
    private let lagSeconds: Gauge
    private let attemptsDelivered: Counter
    private let attemptsFailed: Counter
    private let givenUp: Counter

    package init(registry: PrometheusCollectorRegistry) {
        var made: [NotificationKind: Counter] = [:]
        for kind in NotificationKind.allCases {
            made[kind] = registry.makeCounter(
                descriptor: .init(
                    metricName: "notifications", unitName: "total", helpText: "Notifications made, by order transition."),
                labels: [("kind", kind.rawValue)])
        }
        self.made = made
        eventsRead = registry.makeCounter(
            descriptor: .init(
                metricName: "notification_feed_events", unitName: "total", helpText: "Order events read and applied."))
        lagEvents = registry.makeGauge(
            descriptor: .init(
                metricName: "notification_feed_lag_events", unitName: "",
                helpText: "Order events committed but not yet read by this service."))
        lagSeconds = registry.makeGauge(
            descriptor: .init(
                metricName: "notification_feed_lag", unitName: "seconds",
                helpText: "How old the oldest order event not yet read may be."))
        let attempts = MetricNameDescriptor(
            metricName: "webhook_attempts", unitName: "total", helpText: "Webhook attempts, by outcome.")
        attemptsDelivered = registry.makeCounter(descriptor: attempts, labels: [("outcome", "delivered")])
        attemptsFailed = registry.makeCounter(descriptor: attempts, labels: [("outcome", "failed")])
        givenUp = registry.makeCounter(
            descriptor: .init(
                metricName: "webhook_deliveries_failed", unitName: "total",
                helpText: "Webhook deliveries given up after their retry window."))
    }

    func applied(_ applied: AppliedEvents, events: Int) {
        for (kind, count) in applied.notifications { made[kind]?.increment(by: Int64(count)) }
        eventsRead.increment(by: Int64(events))
    }

    func lag(events: Int64, seconds: Double) {
        lagEvents.set(to: Double(events))
        lagSeconds.set(to: seconds)
    }

    func attempt(_ result: AttemptResult) {
        switch result {
        case .delivered: attemptsDelivered.increment()
        case .failed(_, _, let retryAt):
            attemptsFailed.increment()
            if retryAt == nil { givenUp.increment() }
        }
    }
}
