import Foundation
import Order
import Testing
import WarehouseKit

/// Stores a pending order that the reconciler may pick up at once.
private func insertDuePending(_ database: any OrderRepository, customer: String = "c-42") async throws -> Order {
    let order = Order.pending(NewOrder(customerId: customer, items: draft.items), at: Date())
    _ = try await database.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: Date().addingTimeInterval(-60))
    return order
}

@Suite("Reconciler", .timeLimit(.minutes(1)))
struct ReconcilerTests {
    @Test("an order left pending by a slow inventory ships once inventory answers")
    func pendingThenShipped() async throws {
        // A short request deadline leaves the order pending; the reconciler's own limit stays generous.
        var policy = OrderPolicy.generous
        policy.deadline = .milliseconds(300)
        try await withOrderFixture(.hang, policy: policy) { fixture in
            let order = try await fixture.processor.place(draft, idempotencyKey: nil).order
            #expect(order.status == .pending)
            // Make it due now instead of waiting out its backoff.
            try await fixture.database.postpone(id: order.id, message: order.message, retryAt: .distantPast)

            fixture.inventory.script(.applied)
            let worked = try await Reconciler(processor: fixture.processor).runOnce()
            #expect(worked)
            let stored = try #require(try await fixture.database.order(id: order.id))
            #expect(stored.status == .shipped)
            #expect(stored.message == OrderMessage.shipped)
            #expect(fixture.inventory.calls.map(\.key) == [order.id, order.id])
            #expect(try await fixture.database.nextRetry() == nil)
        }
    }

    @Test("an answer lost after commit settles the order from inventory's record, without a second deduction")
    func settlesFromTheRecord() async throws {
        try await withOrderFixture(.hang) { fixture in
            let order = try await insertDuePending(fixture.database)
            // Inventory committed an earlier try whose answer never arrived; a new deduction would hang.
            fixture.inventory.record(.applied)
            #expect(try await Reconciler(processor: fixture.processor).runOnce())
            #expect(try await fixture.database.order(id: order.id)?.status == .shipped)
            #expect(fixture.inventory.lookUps == 1)
            #expect(fixture.inventory.calls.isEmpty)
        }
    }

    @Test("a refusal rejects the pending order")
    func pendingThenRejected() async throws {
        try await withOrderFixture(.rejected("Unknown SKU CONSOLE-PS5.")) { fixture in
            let order = try await insertDuePending(fixture.database)
            #expect(try await Reconciler(processor: fixture.processor).runOnce())
            let stored = try #require(try await fixture.database.order(id: order.id))
            #expect(stored.status == .rejected)
            #expect(stored.reason == "Unknown SKU CONSOLE-PS5.")
            #expect(fixture.inventory.calls == [.init(key: order.id, lines: order.items)])
        }
    }

    @Test("a timeout keeps the order pending and postpones it")
    func timeoutPostpones() async throws {
        try await withOrderFixture(.hang, policy: .fast) { fixture in
            let order = try await insertDuePending(fixture.database)
            #expect(try await fixture.database.duePending(asOf: Date(), limit: 10).first?.attempts == 0)

            let before = Date()
            #expect(try await Reconciler(processor: fixture.processor).runOnce())

            let stored = try #require(try await fixture.database.order(id: order.id))
            #expect(stored.status == .pending)
            #expect(stored.message == OrderMessage.delayed(orderId: order.id, because: .slow))
            let pending = try #require(try await fixture.database.duePending(asOf: .distantFuture, limit: 10).first)
            #expect(pending.attempts == 1)
            let nextRetry = try #require(try await fixture.database.nextRetry())
            #expect(nextRetry >= before.addingTimeInterval(-0.001))

            // Another timed-out round counts another attempt.
            try await fixture.database.postpone(id: order.id, message: stored.message, retryAt: .distantPast)
            #expect(try await Reconciler(processor: fixture.processor).runOnce())
            #expect(try await fixture.database.duePending(asOf: .distantFuture, limit: 10).first?.attempts == 3)
        }
    }

    @Test("unavailable inventory keeps the order pending with that message")
    func unavailableKeepsPending() async throws {
        try await withOrderFixture(.fail(.unavailable("HTTP 503"))) { fixture in
            let order = try await insertDuePending(fixture.database)
            #expect(try await Reconciler(processor: fixture.processor).runOnce())
            let stored = try #require(try await fixture.database.order(id: order.id))
            #expect(stored.status == .pending)
            #expect(stored.message == OrderMessage.delayed(orderId: order.id, because: .unavailable))
            #expect(try await fixture.database.duePending(asOf: .distantFuture, limit: 10).first?.attempts == 1)
        }
    }

    @Test("nothing due: runOnce does nothing")
    func nothingDue() async throws {
        try await withOrderFixture(.applied) { fixture in
            #expect(try await Reconciler(processor: fixture.processor).runOnce() == false)
            let order = Order.pending(draft, at: Date())
            _ = try await fixture.database.insert(
                order, idempotencyKey: nil, fingerprint: nil, retryAt: Date().addingTimeInterval(3600))
            #expect(try await Reconciler(processor: fixture.processor).runOnce() == false)
            #expect(fixture.inventory.calls.isEmpty)
            #expect(try await fixture.database.order(id: order.id)?.status == .pending)
        }
    }

    @Test("every due order is settled in one round")
    func settlesAllDue() async throws {
        try await withOrderFixture(.applied) { fixture in
            var ids: [String] = []
            for index in 0..<5 {
                ids.append(try await insertDuePending(fixture.database, customer: "c-\(index)").id)
            }
            #expect(try await Reconciler(processor: fixture.processor).runOnce())
            #expect(try await fixture.database.pendingCount() == 0)
            #expect(Set(fixture.inventory.calls.map(\.key)) == Set(ids))
            #expect(try await Reconciler(processor: fixture.processor).runOnce() == false)
        }
    }
}
