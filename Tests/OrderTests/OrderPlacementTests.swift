import Foundation
import Order
import Testing
import WarehouseKit

private struct Unexpected: Error {}

@Suite("OrderPlacement", .timeLimit(.minutes(3)))
struct OrderPlacementTests {
    @Test("applied: the order ships")
    func applied() async throws {
        try await withOrderFixture(.applied) { fixture in
            let placement = try await fixture.flow.placement.place(draft, idempotencyKey: nil)
            #expect(placement.replayed == false)
            #expect(placement.order.status == .shipped)
            #expect(placement.order.message == OrderMessage.shipped)
            #expect(placement.order.reason == nil)
            #expect(placement.order.customerId == "c-42")
            #expect(placement.order.items == draft.items)
            #expect(fixture.inventory.calls == [.init(key: placement.order.id, lines: draft.items)])
            #expect(try await fixture.database.order(id: placement.order.id)?.status == .shipped)
            #expect(try await fixture.database.pendingCount() == 0)
        }
    }

    @Test("rejected: the order is rejected with inventory's reason")
    func rejected() async throws {
        let reason = "Not enough stock for CONSOLE-PS5: 1 requested, 0 available."
        try await withOrderFixture(.rejected(reason)) { fixture in
            let placement = try await fixture.flow.placement.place(draft, idempotencyKey: nil)
            #expect(placement.order.status == .rejected)
            #expect(placement.order.reason == reason)
            #expect(placement.order.message == OrderMessage.rejected(reason))
            let stored = try #require(try await fixture.database.order(id: placement.order.id))
            #expect(stored.status == .rejected)
            #expect(stored.reason == reason)
        }
    }

    @Test("hanging inventory: pending within the deadline, stored pending, and the reconciler is rung")
    func hanging() async throws {
        try await withOrderFixture(.hang, policy: .fast) { fixture in
            let clock = ContinuousClock()
            let started = clock.now
            let placement = try await fixture.flow.placement.place(draft, idempotencyKey: nil)
            let elapsed = clock.now - started
            // The hang never ends by itself, so returning at all shows the deadline worked; no upper bound,
            // which a starved machine could exceed by itself.
            #expect(elapsed >= fixture.flow.policy.inventoryBudget)

            let order = placement.order
            #expect(order.status == .pending)
            #expect(order.message.contains("Inventory is responding slowly"))
            #expect(order.message == OrderMessage.delayed(orderId: order.id, because: .slow))

            // The answer does not wait for the record of the try; the bell rings once it is written, and
            // remembers the ring, so this returns at once rather than after an hour (past the time limit).
            await fixture.flow.pendingBell.wait(atMost: .seconds(3600))
            let stored = try #require(try await fixture.database.order(id: order.id))
            #expect(stored.status == .pending)
            #expect(stored.message == order.message)
            let due = try await fixture.database.duePending(asOf: .distantFuture, limit: 10)
            #expect(due.map(\.order.id) == [order.id])
            #expect(due.first?.attempts == 1)

            // The abandoned call is cancelled rather than left running.
            #expect(fixture.inventory.calls.count == 1)
            await fixture.inventory.waitForCancelledCalls(1)
        }
    }

    @Test("unavailable inventory: pending with the unavailable message")
    func unavailable() async throws {
        try await withOrderFixture(.fail(.unavailable("connection refused"))) { fixture in
            let order = try await fixture.flow.placement.place(draft, idempotencyKey: nil).order
            #expect(order.status == .pending)
            #expect(order.message.contains("unavailable"))
            #expect(order.message == OrderMessage.delayed(orderId: order.id, because: .unavailable))
            #expect(try await fixture.database.order(id: order.id)?.status == .pending)
        }
    }

    @Test("a timeout reported by the gateway counts as slow")
    func gatewayTimeout() async throws {
        try await withOrderFixture(.fail(.timeout)) { fixture in
            let order = try await fixture.flow.placement.place(draft, idempotencyKey: nil).order
            #expect(order.status == .pending)
            #expect(order.message == OrderMessage.delayed(orderId: order.id, because: .slow))
        }
    }

    @Test("an unexpected error counts as unavailable, never as a refusal")
    func unexpectedError() async throws {
        try await withOrderFixture(.error(Unexpected())) { fixture in
            let order = try await fixture.flow.placement.place(draft, idempotencyKey: nil).order
            #expect(order.status == .pending)
            #expect(order.message == OrderMessage.delayed(orderId: order.id, because: .unavailable))
        }
    }

    @Test("each order gets its own id and deduction key")
    func distinctOrders() async throws {
        try await withOrderFixture(.applied) { fixture in
            let first = try await fixture.flow.placement.place(draft, idempotencyKey: nil).order
            let second = try await fixture.flow.placement.place(draft, idempotencyKey: nil).order
            #expect(first.id != second.id)
            #expect(fixture.inventory.calls.map(\.key) == [first.id, second.id])
            #expect(try await fixture.database.orders(status: nil, limit: 10).count == 2)
        }
    }
}
