import Foundation
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

/// Stores a pending order that the reconciler may pick up at once.
private func insertDuePending(_ database: any OrderRepository, customer: String = "c-42") async throws -> Order {
    let order = Order.pending(NewOrder(customerId: customer, items: draft.items), at: Date())
    _ = try await database.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: Date().addingTimeInterval(-60))
    return order
}

@Suite("Reconciler", .timeLimit(.minutes(3)))
struct ReconcilerTests {
    @Test("an order left pending by a slow inventory ships once inventory answers")
    func pendingThenShipped() async throws {
        // A short request deadline leaves the order pending; the reconciler's own limit stays generous.
        var policy = OrderPolicy.generous
        policy.deadline = .milliseconds(300)
        policy.storageWait = OrderPolicy.fast.storageWait
        try await withOrderFixture(.hang, policy: policy) { fixture in
            let order = try await fixture.flow.placement.place(draft, idempotencyKey: nil).order
            #expect(order.status == .pending)
            await fixture.flow.pendingBell.wait(atMost: .seconds(3600))  // rung once the try is recorded
            // Make it due now instead of waiting out its backoff.
            try await fixture.database.postpone(id: order.id, message: order.message, retryAt: .distantPast)

            fixture.inventory.script(.applied)
            let worked = try await fixture.flow.reconciler.runOnce()
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
            #expect(try await fixture.flow.reconciler.runOnce())
            #expect(try await fixture.database.order(id: order.id)?.status == .shipped)
            #expect(fixture.inventory.lookUps == 1)
            #expect(fixture.inventory.calls.isEmpty)
        }
    }

    @Test("a refusal rejects the pending order")
    func pendingThenRejected() async throws {
        try await withOrderFixture(.rejected("Unknown SKU CONSOLE-PS5.")) { fixture in
            let order = try await insertDuePending(fixture.database)
            #expect(try await fixture.flow.reconciler.runOnce())
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
            #expect(try await fixture.flow.reconciler.runOnce())

            let stored = try #require(try await fixture.database.order(id: order.id))
            #expect(stored.status == .pending)
            #expect(stored.message == OrderMessage.delayed(orderId: order.id, because: .slow))
            let pending = try #require(try await fixture.database.duePending(asOf: .distantFuture, limit: 10).first)
            #expect(pending.attempts == 1)
            let nextRetry = try #require(try await fixture.database.nextRetry())
            #expect(nextRetry >= before.addingTimeInterval(-0.001))

            // Another timed-out round counts another attempt.
            try await fixture.database.postpone(id: order.id, message: stored.message, retryAt: .distantPast)
            #expect(try await fixture.flow.reconciler.runOnce())
            #expect(try await fixture.database.duePending(asOf: .distantFuture, limit: 10).first?.attempts == 3)
        }
    }

    @Test("unavailable inventory keeps the order pending with that message")
    func unavailableKeepsPending() async throws {
        try await withOrderFixture(.fail(.unavailable("HTTP 503"))) { fixture in
            let order = try await insertDuePending(fixture.database)
            #expect(try await fixture.flow.reconciler.runOnce())
            let stored = try #require(try await fixture.database.order(id: order.id))
            #expect(stored.status == .pending)
            #expect(stored.message == OrderMessage.delayed(orderId: order.id, because: .unavailable))
            #expect(try await fixture.database.duePending(asOf: .distantFuture, limit: 10).first?.attempts == 1)
        }
    }

    @Test("nothing due: runOnce does nothing")
    func nothingDue() async throws {
        try await withOrderFixture(.applied) { fixture in
            #expect(try await fixture.flow.reconciler.runOnce() == false)
            let order = Order.pending(draft, at: Date())
            _ = try await fixture.database.insert(
                order, idempotencyKey: nil, fingerprint: nil, retryAt: Date().addingTimeInterval(3600))
            #expect(try await fixture.flow.reconciler.runOnce() == false)
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
            #expect(try await fixture.flow.reconciler.runOnce())
            #expect(try await fixture.database.pendingCount() == 0)
            #expect(Set(fixture.inventory.calls.map(\.key)) == Set(ids))
            #expect(try await fixture.flow.reconciler.runOnce() == false)
        }
    }
}

/// Once inventory is back, the backlog is worked off at the speed inventory answers, oldest first:
/// the backoff of each order was waiting for a dependency that no longer fails.
@Suite("Reconciler drain", .timeLimit(.minutes(3)))
struct ReconcilerDrainTests {
    /// Stores `count` pending orders created a second apart (inserted newest first) whose last try
    /// failed a minute ago and whose next try is an hour away, as an outage leaves them.
    func backlog(_ count: Int, in database: any OrderRepository) async throws -> [String] {
        let created = Date().addingTimeInterval(-3600)
        let orders = (0..<count).map { Order.pending(draft, at: created.addingTimeInterval(Double($0))) }
        for order in orders.reversed() {
            _ = try await database.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: created)
            try await database.postpone(
                id: order.id, message: "later", triedAt: Date().addingTimeInterval(-60), retryAt: Date().addingTimeInterval(3600))
        }
        return orders.map(\.id)
    }

    /// Returns once no order is pending.
    func waitUntilSettled(_ database: any OrderRepository) async throws {
        while try await database.pendingCount() > 0 { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test("after a recovery every order tried before it is due at once, oldest first")
    func recoveryMakesTheBacklogDue() async throws {
        try await withOrderFixture(.applied) { fixture in
            let ids = try await backlog(5, in: fixture.database)
            let reconciler = fixture.flow.reconciler
            #expect(try await reconciler.dueOrders(limit: 10).isEmpty, "nothing is due by its backoff")

            fixture.flow.availability.noteAnswer()
            #expect(try await reconciler.dueOrders(limit: 10).map(\.order.id) == ids)
            #expect(try await reconciler.dueOrders(limit: 2).map(\.order.id) == Array(ids.prefix(2)))
        }
    }

    @Test("an order whose try failed after the recovery keeps its backoff")
    func failuresAfterTheRecoveryWait() async throws {
        try await withOrderFixture(.applied) { fixture in
            let ids = try await backlog(2, in: fixture.database)
            fixture.flow.availability.noteAnswer()
            try await fixture.database.postpone(
                id: ids[0], message: "later", triedAt: Date().addingTimeInterval(1), retryAt: Date().addingTimeInterval(3600))
            #expect(try await fixture.flow.reconciler.dueOrders(limit: 10).map(\.order.id) == [ids[1]])
        }
    }

    @Test("a try that fails records when it began, so a recovery after it makes the order due")
    func triesRecordWhenTheyBegan() async throws {
        try await withOrderFixture(.fail(.unreachable("connection refused"))) { fixture in
            let before = Date()
            let order = try await fixture.flow.placement.place(draft, idempotencyKey: nil).order
            #expect(order.status == .pending)
            await fixture.flow.pendingBell.wait(atMost: .seconds(3600))  // rung once the try is recorded
            // Due by a recovery after the try, whatever its backoff; not by one before it.
            let afterTry = try await fixture.database.duePending(asOf: .distantPast, triedBefore: Date().addingTimeInterval(0.01), limit: 10)
            #expect(afterTry.map(\.order.id) == [order.id])
            let beforeTry = try await fixture.database.duePending(
                asOf: .distantPast, triedBefore: before.addingTimeInterval(-1), limit: 10)
            #expect(beforeTry.isEmpty)
        }
    }

    @Test("the running reconciler settles a backlog of 50 postponed orders once inventory is back, oldest first")
    func theRunningReconcilerDrainsTheBacklog() async throws {
        try await withOrderFixture(.applied) { fixture in
            // Each due an hour from now by its backoff: only the recovery can make them due. Fifty, one at a
            // time, stay well inside the time limit on a crowded test run.
            let ids = try await backlog(50, in: fixture.database)
            var reconciler = fixture.flow.reconciler
            // One at a time, so the order of the calls is the order of the work; and no idle poll that a
            // test could mistake for the drain.
            reconciler.concurrency = 1
            reconciler.idlePoll = .seconds(3600)
            let running = Task { try await reconciler.run() }
            defer { running.cancel() }

            fixture.flow.availability.noteAnswer()
            try await waitUntilSettled(fixture.database)
            #expect(fixture.inventory.calls.map(\.key) == ids)
            #expect(try await fixture.database.orders(status: .shipped, limit: 500).count == 50)
        }
    }

    @Test("a slow order holds one slot, not a round: the rest of the backlog drains past it")
    func aSlowOrderHoldsOneSlot() async throws {
        try await withOrderFixture { fixture in
            // A gate of its own for each backend: one shared would be open already on the second.
            let gate = Gate()
            fixture.inventory.script(.holdingFirst(gate))
            _ = try await backlog(10, in: fixture.database)
            var reconciler = fixture.flow.reconciler
            reconciler.concurrency = 2
            reconciler.idlePoll = .seconds(3600)
            let running = Task { try await reconciler.run() }
            defer { running.cancel() }

            fixture.flow.availability.noteAnswer()
            // The first deduction is held; the nine others go through the other slot meanwhile.
            while try await fixture.database.pendingCount() > 1 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(fixture.inventory.calls.count == 10)
            gate.open()
            try await waitUntilSettled(fixture.database)
        }
    }
}
