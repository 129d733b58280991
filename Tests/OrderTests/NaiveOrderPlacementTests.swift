import Foundation
import Order
import Testing
import WarehouseKit

/// The design the service replaces, kept for the chaos experiment's comparison, as it was.
@Suite("NaiveOrderPlacement", .timeLimit(.minutes(3)))
struct NaiveOrderPlacementTests {
    func naive(_ fixture: OrderFixture, policy: OrderPolicy = .generous) -> NaiveOrderPlacement {
        NaiveOrderPlacement(
            repository: fixture.database, inventory: fixture.inventory, policy: policy,
            metrics: OrderMetrics(registry: .init()))
    }

    @Test("it ignores the Idempotency-Key: the same key places a second order")
    func ignoresKeys() async throws {
        try await withOrderFixture(.applied) { fixture in
            let first = try await naive(fixture).place(draft, idempotencyKey: "k")
            let second = try await naive(fixture).place(draft, idempotencyKey: "k")
            #expect(first.order.status == .shipped)
            #expect(first.order.id != second.order.id)
            #expect(!second.replayed)
            #expect(try await fixture.database.orders(status: nil, limit: 10).count == 2)
        }
    }

    @Test("no definite answer is taken for a failure: the order is rejected and the client told 502")
    func failureRejects() async throws {
        try await withOrderFixture(.fail(.unavailable("connection refused"))) { fixture in
            do {
                _ = try await naive(fixture).place(draft, idempotencyKey: nil)
                Issue.record("the naive design answered")
            } catch let error as OrderError {
                guard case .inventoryFailed(let id) = error else { throw error }
                #expect(try await fixture.database.order(id: id)?.status == .rejected)
                #expect(fixture.inventory.calls.count == 1)
            }
        }
    }
}
