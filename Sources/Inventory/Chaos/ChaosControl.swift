import Logging
import Prometheus
import Synchronization

/// The chaos settings in force in this process: set by flags at start and by the admin endpoint at run
/// time. A run-time change lasts until the process restarts; the start flags apply again after that.
package final class ChaosControl: Sendable {
    /// The exit status of the crash after commit. A process that exits with it had just committed a
    /// deduction, so it was serving, however soon after its start that was.
    package static let crashExitStatus: Int32 = 86

    private let current: Mutex<ChaosSettings>
    private let delayed: Counter
    private let crashes: Counter
    private let errors: Counter

    package init(_ settings: ChaosSettings, registry: PrometheusCollectorRegistry) {
        self.current = Mutex(settings)
        self.delayed = registry.makeCounter(
            descriptor: .init(
                metricName: "gremlin_delayed_responses", unitName: "total",
                helpText: "Deduction answers the gremlin held back on purpose."))
        self.crashes = registry.makeCounter(
            descriptor: .init(
                metricName: "chaos_faults", unitName: "total", helpText: "Faults injected on purpose after a deduction committed."
            ), labels: [("kind", "crash_after_commit")])
        self.errors = registry.makeCounter(
            descriptor: .init(
                metricName: "chaos_faults", unitName: "total", helpText: "Faults injected on purpose after a deduction committed."
            ), labels: [("kind", "error_after_commit")])
    }

    package var settings: ChaosSettings {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    package func countDelay() { delayed.increment() }
    package func countCrash() { crashes.increment() }
    package func countError() { errors.increment() }
}
