import Foundation
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

/// A repository whose writes of a final state, or of a new order, do what a test says (fail, as a full
/// disk would make them; wait, as a write queued behind a busy group commit or a starved disk does);
/// everything else is the real one.
private struct SettleScripted: OrderRepository {
    struct DiskFull: Error {}
    let base: any OrderRepository
    var insertGate: Gate?
    let settle: @Sendable (any OrderRepository, Order, Settlement, Date) async throws -> Order?

    static func failing(_ base: any OrderRepository) -> Self {
        Self(base: base) { _, _, _, _ in throw DiskFull() }
    }

    /// Writes final states once `gate` opens.
    static func held(by gate: Gate, _ base: any OrderRepository) -> Self {
        Self(base: base) { base, order, settlement, now in
            await gate.wait()
            return try await base.settle(order, settlement, at: now)
        }
    }

    /// Writes new orders once `gate` opens.
    static func insertsHeld(by gate: Gate, _ base: any OrderRepository) -> Self {
        Self(base: base, insertGate: gate) { base, order, settlement, now in try await base.settle(order, settlement, at: now) }
    }

    func insert(_ order: Order, idempotencyKey: String?, fingerprint: String?, retryAt: Date) async throws -> StoredOrder {
        await insertGate?.wait()
        return try await base.insert(order, idempotencyKey: idempotencyKey, fingerprint: fingerprint, retryAt: retryAt)
    }
    func order(id: String) async throws -> Order? { try await base.order(id: id) }
    func order(idempotencyKey: String) async throws -> StoredOrder? { try await base.order(idempotencyKey: idempotencyKey) }
    func orders(_ query: OrderQuery) async throws -> [Order] { try await base.orders(query) }
    func settle(_ order: Order, _ settlement: Settlement, at now: Date) async throws -> Order? {
        try await settle(base, order, settlement, now)
    }
    func postpone(id: String, message: String, triedAt: Date, retryAt: Date) async throws {
        try await base.postpone(id: id, message: message, triedAt: triedAt, retryAt: retryAt)
    }
    func duePending(asOf now: Date, triedBefore recoveredAt: Date?, limit: Int) async throws -> [PendingOrder] {
        try await base.duePending(asOf: now, triedBefore: recoveredAt, limit: limit)
    }
    func nextRetry(after: Date?) async throws -> Date? { try await base.nextRetry(after: after) }
    func pendingCount(cap: Int) async throws -> PendingCount { try await base.pendingCount(cap: cap) }
    func markNeedingAttention(id: String, message: String, triedAt: Date, at now: Date) async throws -> Bool { throw DiskFull() }
    func retryNow(id: String, at now: Date) async throws -> Order? { try await base.retryNow(id: id, at: now) }
    func forgetIdempotencyKeys(createdBefore cutoff: Date) async throws -> Int {
        try await base.forgetIdempotencyKeys(createdBefore: cutoff)
    }
}

extension OrderFixture {
    /// The fixture's inventory and a flow whose storage is `repository`.
    fileprivate func flow(over repository: SettleScripted, policy: OrderPolicy) -> OrderFlow {
        OrderFlow(repository: repository, inventory: inventory, policy: policy, logger: quietLogger)
    }
}

/// Storage that cannot record inventory's answer is an error of whoever asked, never a quiet
/// "inventory is unavailable": inventory's record stands and a later try records it.
@Suite("Storage failures in the order flow", .timeLimit(.minutes(3)))
struct StorageFailureTests {
    @Test("the request fails and the order stays pending when its settlement cannot be recorded")
    func requestPath() async throws {
        try await withOrderFixture(.applied) { fixture in
            let flow = fixture.flow(over: SettleScripted.failing(fixture.database), policy: .generous)
            await #expect(throws: SettleScripted.DiskFull.self) {
                _ = try await flow.placement.place(draft, idempotencyKey: "k-1")
            }
            let stored = try #require(try await fixture.database.order(idempotencyKey: "k-1"))
            #expect(stored.order.status == .pending)
            #expect(stored.order.message == OrderMessage.awaitingInventory)

            // The client's retry with its key finds the order, and once storage works it ships.
            let placed = try await fixture.flow.placement.place(draft, idempotencyKey: "k-1")
            #expect(placed.replayed)
            #expect(placed.order.status == .shipped)
        }
    }

    @Test("a definite answer is given by the deadline though its settlement is written later, and the write goes on")
    func slowSettlementDoesNotHoldTheAnswer() async throws {
        try await withOrderFixture(.applied) { fixture in
            // Long enough that the scripted inventory answers inside it however starved the machine (a
            // 3 s deadline was missed in a crowded run); the write is held until after the answer, so only
            // the deadline can end the request, and the test takes that long.
            var policy = OrderPolicy()
            policy.deadline = .seconds(20)
            let gate = Gate()
            let flow = fixture.flow(over: SettleScripted.held(by: gate, fixture.database), policy: policy)
            let placed = try await flow.placement.place(draft, idempotencyKey: "k-1")
            #expect(placed.order.status == .shipped)
            #expect(placed.order.message == OrderMessage.shipped)
            let stored = try #require(try await fixture.database.order(idempotencyKey: "k-1"))
            #expect(stored.order.status == .pending, "answered before the write")

            gate.open()
            while try await fixture.database.order(id: placed.order.id)?.status != .shipped {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    @Test("an order storage has not confirmed by the deadline is a 503 by then; the write goes on and the key's retry finds it")
    func slowInsertDoesNotHoldTheAnswer() async throws {
        try await withOrderFixture(.applied) { fixture in
            // The write is held until after the answer: only the deadline can end the request.
            var policy = OrderPolicy()
            policy.deadline = .milliseconds(300)
            let gate = Gate()
            let flow = fixture.flow(over: SettleScripted.insertsHeld(by: gate, fixture.database), policy: policy)
            await #expect(throws: OrderError.notStoredInTime) {
                _ = try await flow.placement.place(draft, idempotencyKey: "k-1")
            }
            #expect(OrderError.notStoredInTime.problem.status == 503)
            #expect(OrderError.notStoredInTime.headers[.retryAfter] == "1")
            #expect(try await fixture.database.order(idempotencyKey: "k-1") == nil, "answered before the write")

            gate.open()
            while try await fixture.database.order(idempotencyKey: "k-1") == nil {
                try await Task.sleep(for: .milliseconds(10))
            }
            let stored = try #require(try await fixture.database.order(idempotencyKey: "k-1"))
            #expect(stored.order.status == .pending)
            // The shopper's retry with the key finds the one order and settles it.
            let placed = try await fixture.flow.placement.place(draft, idempotencyKey: "k-1")
            #expect(placed.replayed)
            #expect(placed.order.id == stored.order.id)
            #expect(placed.order.status == .shipped)
        }
    }

    @Test("a reconciler try whose outcome cannot be recorded fails, and the order stays due")
    func reconcilerPath() async throws {
        try await withOrderFixture(.applied) { fixture in
            let order = Order.pending(draft, at: Date())
            _ = try await fixture.database.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: .distantPast)
            let flow = fixture.flow(over: SettleScripted.failing(fixture.database), policy: .generous)
            let pending = try #require(try await fixture.database.duePending(asOf: Date(), limit: 10).first)
            await #expect(throws: SettleScripted.DiskFull.self) {
                _ = try await flow.reconciler.retry.retry(pending)
            }
            #expect(try await fixture.database.duePending(asOf: Date(), limit: 10).map(\.order.id) == [order.id])
        }
    }
}
