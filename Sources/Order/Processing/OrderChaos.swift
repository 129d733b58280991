import Prometheus
import Synchronization
import WarehouseKit

/// Chaos in the order service: "noise on the way back", a 500 to a new order after it was stored
/// and processed. Off by default; set by flags at start and by `PUT /admin/chaos` until a restart.
package final class OrderChaos: Sendable {
    private let errorAfterStore: Mutex<ChaosSelector>
    private let injected: Counter

    package init(errorAfterStore: ChaosSelector = .none, registry: PrometheusCollectorRegistry) {
        self.errorAfterStore = Mutex(errorAfterStore)
        self.injected = registry.makeCounter(
            descriptor: .init(
                metricName: "chaos_faults",
                unitName: "total",
                helpText: "Faults injected on purpose after an order was stored."
            ),
            labels: [("kind", "error_after_store")]
        )
    }

    package var selector: ChaosSelector {
        get { errorAfterStore.withLock { $0 } }
        set { errorAfterStore.withLock { $0 = newValue } }
    }

    /// Whether the answer to this new order is to be replaced by a 500. Keyed by the client's
    /// Idempotency-Key when it sent one, so a seeded workload hits the same requests on every run.
    package func strikes(_ placement: Placement, idempotencyKey: String?) -> Bool {
        guard !placement.replayed,
            selector.selects(key: idempotencyKey ?? placement.order.id, ordinal: placement.ordinal, salt: "error-after-store")
        else { return false }
        injected.increment()
        return true
    }
}
