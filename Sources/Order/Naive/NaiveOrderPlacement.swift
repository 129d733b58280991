import Foundation
import WarehouseKit

/// The design this service replaces, kept only to measure the difference (`--naive`, the chaos
/// experiment's comparison): `Idempotency-Key`s ignored, inventory called once with no breaker or
/// bulkhead, and no definite answer taken for a failure: the order is rejected and the client told so
/// (502), although inventory may have deducted the stock. Nothing reconciles it later.
///
/// The service runs either this or `OrderPlacement` (and the reconciler); neither knows of the other.
package struct NaiveOrderPlacement: OrderPlacing {
    package let repository: any OrderRepository
    /// Inventory as it is, one try.
    package let inventory: any InventoryGateway
    package let policy: OrderPolicy
    package let metrics: OrderMetrics

    package init(repository: any OrderRepository, inventory: any InventoryGateway, policy: OrderPolicy, metrics: OrderMetrics) {
        self.repository = repository
        self.inventory = inventory
        self.policy = policy
        self.metrics = metrics
    }

    package func place(_ draft: NewOrder, idempotencyKey: String?) async throws -> Placement {
        let deadline = ContinuousClock.now + policy.inventoryBudget
        let order = Order.pending(draft, at: Date())
        let stored = try await repository.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: .distantFuture)
        let settlement: Settlement
        do {
            let answer = try await withDeadline(deadline) { [inventory] in
                try await inventory.deduct(key: order.id, lines: order.items, until: deadline)
            }
            settlement = Settlement(answer)
        } catch {
            _ = try await repository.settle(order, .rejected(reason: "Inventory failed: \(error)"), at: Date())
            throw OrderError.inventoryFailed(id: order.id)
        }
        let settled = try await repository.settle(order, settlement, at: Date()) ?? order
        metrics.countFirstAnswer(settled.status)
        return Placement(order: settled, replayed: false, ordinal: stored.ordinal)
    }
}
