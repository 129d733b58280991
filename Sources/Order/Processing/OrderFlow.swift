import Logging
import Prometheus
import WarehouseKit

/// The order flow as the service runs it: the request path (`OrderPlacement`) and the reconciler that
/// finishes what it leaves pending (`Reconciler`, trying each order with `PendingOrderRetry`), over
/// one repository, one inventory and one pending bell.
package struct OrderFlow: Sendable {
    package let placement: OrderPlacement
    package let reconciler: Reconciler

    /// - Parameters:
    ///   - inventory: inventory as the request path calls it, tries short enough for the deadline.
    ///   - patientInventory: inventory as the reconciler calls it (by default `inventory`).
    ///   - availability: what the gateways report inventory's outages and recoveries to; by default one
    ///     that rings `pendingBell` at each recovery.
    package init(
        repository: any OrderRepository,
        inventory: any InventoryGateway,
        patientInventory: (any InventoryGateway)? = nil,
        policy: OrderPolicy,
        logger: Logger,
        metrics: OrderMetrics = OrderMetrics(registry: PrometheusCollectorRegistry()),
        pendingBell: Doorbell = Doorbell(),
        availability: InventoryAvailability? = nil
    ) {
        let settler = OrderSettler(repository: repository, retryBackoff: policy.retryBackoff, logger: logger, pendingBell: pendingBell)
        self.placement = OrderPlacement(settler: settler, inventory: inventory, policy: policy, metrics: metrics)
        self.reconciler = Reconciler(
            retry: PendingOrderRetry(settler: settler, inventory: patientInventory ?? inventory, retryTimeout: policy.retryTimeout),
            availability: availability ?? InventoryAvailability(onRecovery: { pendingBell.ring() }),
            metrics: metrics,
            idempotencyRetention: policy.idempotencyRetention
        )
    }

    package var pendingBell: Doorbell { placement.settler.pendingBell }
    package var availability: InventoryAvailability { reconciler.availability }
    package var policy: OrderPolicy { placement.policy }
}
