import Prometheus

/// The order service's domain figures, in its Prometheus registry.
package struct OrderMetrics: Sendable {
    private let firstAnswers: [OrderStatus: Counter]
    private let reconcilerSettled: Counter
    private let reconcilerUnknown: Counter
    private let pending: Gauge
    private let needingAttention: Gauge
    private let markedForAttention: Counter

    package init(registry: PrometheusCollectorRegistry) {
        var firstAnswers: [OrderStatus: Counter] = [:]
        for status in OrderStatus.allCases {
            firstAnswers[status] = registry.makeCounter(
                descriptor: .init(
                    metricName: "orders", unitName: "total",
                    helpText: "New orders by the state of their first answer (201 shipped, 409 rejected, 202 pending)."),
                labels: [("outcome", status.rawValue)])
        }
        self.firstAnswers = firstAnswers
        self.reconcilerSettled = registry.makeCounter(
            descriptor: .init(
                metricName: "reconciler_attempts", unitName: "total",
                helpText: "Reconciler tries of pending orders, by whether inventory gave a definite answer."),
            labels: [("result", "settled")])
        self.reconcilerUnknown = registry.makeCounter(
            descriptor: .init(
                metricName: "reconciler_attempts", unitName: "total",
                helpText: "Reconciler tries of pending orders, by whether inventory gave a definite answer."),
            labels: [("result", "unknown")])
        self.pending = registry.makeGauge(
            descriptor: .init(
                metricName: "orders_pending", unitName: "", helpText: "Orders waiting for a definite answer from inventory."))
        self.needingAttention = registry.makeGauge(
            descriptor: .init(
                metricName: "orders_needing_attention", unitName: "",
                helpText: "Pending orders no longer retried automatically (pending past --attention-after-s): a person must look."))
        self.markedForAttention = registry.makeCounter(
            descriptor: .init(
                metricName: "orders_marked_needing_attention", unitName: "total",
                helpText: "Orders the reconciler marked as needing attention."))
    }

    func countMarkedForAttention() {
        markedForAttention.increment()
    }

    func backlog(_ count: PendingCount) {
        pending.set(to: Double(count.pending))
        needingAttention.set(to: Double(count.needingAttention))
    }

    func countFirstAnswer(_ status: OrderStatus) {
        firstAnswers[status]?.increment()
    }

    func countReconcilerAttempt(settled: Bool) {
        (settled ? reconcilerSettled : reconcilerUnknown).increment()
    }

}
