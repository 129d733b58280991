import Prometheus
import Synchronization

/// `process_stalled_seconds_total`: how long the process stood still (`StallMeter`), brought up to date
/// whenever `/metrics` is read. A latency spike with this counter rising is the machine's, not the
/// service's: its CPU went to others.
package final class StallCounter: Sendable {
    private let counter: Counter
    private let meter: StallMeter
    /// The meter's total the counter holds already.
    private let counted = Mutex(0.0)

    package init(registry: PrometheusCollectorRegistry, meter: StallMeter = .process) {
        counter = registry.makeCounter(
            descriptor: .init(
                metricName: "process_stalled_seconds", unitName: "total",
                helpText: "Time this process stood still: a thread of its own woke 20 ms or more after its 10 ms sleep (no CPU for it)."))
        self.meter = meter
    }

    /// Adds what the meter saw since the last call.
    package func update() {
        let total = meter.totalSeconds
        let added = counted.withLock { counted in
            defer { counted = max(counted, total) }
            return max(0, total - counted)
        }
        if added > 0 { counter.increment(by: added) }
    }
}
