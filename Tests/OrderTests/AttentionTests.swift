import Foundation
import Order
import Prometheus
import Synchronization
import Testing
import WarehouseKit
import WarehouseTestSupport

/// A clock a test moves by hand.
private final class HandClock: Sendable {
    private let instant: Mutex<Date>
    init(_ start: Date) { instant = Mutex(start) }
    var now: Date { instant.withLock { $0 } }
    func set(_ date: Date) { instant.withLock { $0 = date } }
}

/// The end state of the reconciler's backlog (issue 13 item 11): an order pending past
/// `AttentionPolicy.after` is marked as needing attention, left out of the rounds, counted, and tried
/// again only when asked; on real storage, every backend, with the reconciler's clock in the test's hand.
@Suite("Orders needing attention", .timeLimit(.minutes(3)))
struct AttentionTests {
    @Test("the policy: due exactly when the order has been pending for `after`")
    func policy() {
        let created = Date(timeIntervalSince1970: 1_000_000)
        let order = Order.pending(NewOrder(customerId: "c-1", items: draft.items), at: created)
        let policy = AttentionPolicy(after: .seconds(3600))
        #expect(!policy.isDue(order, at: created))
        #expect(!policy.isDue(order, at: created.addingTimeInterval(3599)))
        #expect(policy.isDue(order, at: created.addingTimeInterval(3600)))
    }

    @Test("pending past the limit: marked, no longer tried, counted; tried again only on an admin's retry", arguments: StorageBackend.available)
    func markedThenRetried(_ backend: StorageBackend) async throws {
        try await backend.withStorage(named: "orders", open: { try await OrderStorage.open($0) }) { storage in
            let database = storage.repository
            let created = Date().addingTimeInterval(-2 * 3600)
            let clock = HandClock(created.addingTimeInterval(600))
            let inventory = ScriptedInventory(.fail(.unavailable("refused")))
            let registry = PrometheusCollectorRegistry()
            let settler = OrderSettler(
                repository: database, retryBackoff: OrderPolicy().retryBackoff, logger: quietLogger, pendingBell: Doorbell())
            let reconciler = Reconciler(
                retry: PendingOrderRetry(
                    settler: settler, inventory: inventory, retryTimeout: .seconds(30), attention: AttentionPolicy(after: .seconds(3600)),
                    now: { clock.now }),
                availability: InventoryAvailability(), metrics: OrderMetrics(registry: registry),
                idempotencyRetention: .seconds(24 * 3600))

            let order = Order.pending(NewOrder(customerId: "c-1", items: draft.items), at: created)
            _ = try await database.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: created)

            // Ten minutes old: a failed try schedules the next one, as always.
            #expect(try await reconciler.runOnce())
            var stored = try #require(try await database.order(id: order.id))
            #expect(stored.status == .pending)
            #expect(!stored.needsAttention)
            #expect(try await database.nextRetry() != nil)

            // Past an hour: the next failed try marks it instead.
            clock.set(created.addingTimeInterval(3601))
            try await database.postpone(id: order.id, message: stored.message, retryAt: .distantPast)
            #expect(try await reconciler.runOnce())
            stored = try #require(try await database.order(id: order.id))
            #expect(stored.status == .pending)
            #expect(stored.needsAttention)
            #expect(stored.message == OrderMessage.needsAttention(orderId: order.id))
            #expect(try await database.nextRetry() == nil)
            #expect(try await database.pendingCount(cap: 100) == PendingCount(pending: 1, needingAttention: 1))
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("orders_needing_attention 1"), "\(text)")
            #expect(text.contains("orders_marked_needing_attention_total 1"), "\(text)")

            // No longer tried: not by its backoff, not after a recovery of inventory.
            let calls = inventory.calls.count + inventory.lookUps
            #expect(try await reconciler.runOnce() == false)
            #expect(try await database.duePending(asOf: .distantFuture, triedBefore: .distantFuture, limit: 10).isEmpty)
            #expect(inventory.calls.count + inventory.lookUps == calls)

            // An admin's retry makes it due once; an answer settles it and the mark goes.
            inventory.script(.applied)
            #expect(try await database.retryNow(id: order.id, at: clock.now)?.needsAttention == true)
            #expect(try await reconciler.runOnce())
            stored = try #require(try await database.order(id: order.id))
            #expect(stored.status == .shipped)
            #expect(!stored.needsAttention)
            #expect(try await database.pendingCount(cap: 100) == PendingCount(pending: 0, needingAttention: 0))
        }
    }

    @Test("a round's batch is bounded whatever the backlog: orders not due are never walked", arguments: StorageBackend.available)
    func boundedBatch(_ backend: StorageBackend) async throws {
        try await backend.withStorage(named: "orders", open: { try await OrderStorage.open($0) }) { storage in
            let database = storage.repository
            let now = Date()
            // Older orders not due yet, then a few due ones: the due ones come, at most `limit`.
            for index in 0..<40 {
                let order = Order.pending(NewOrder(customerId: "c-\(index)", items: draft.items), at: now.addingTimeInterval(-3600))
                _ = try await database.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: now.addingTimeInterval(3600))
            }
            var due: [String] = []
            for index in 0..<5 {
                let order = Order.pending(NewOrder(customerId: "d-\(index)", items: draft.items), at: now)
                _ = try await database.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: now.addingTimeInterval(-10))
                due.append(order.id)
            }
            let batch = try await database.duePending(asOf: now, triedBefore: nil, limit: 3)
            #expect(batch.count == 3)
            #expect(Set(batch.map(\.order.id)).isSubset(of: Set(due)))
            #expect(try await database.pendingCount(cap: 10).pending == 10, "the gauge counts up to its cap")
        }
    }
}

/// `POST /admin/orders/{id}/retry`: the admin's way to try an order needing attention again.
@Suite("Admin retry of an order", .timeLimit(.minutes(3)))
struct AdminRetryAPITests {
    @Test("admin only; a pending order becomes due now and keeps its mark; final, unknown and too old ones are refused")
    func adminRetry() async throws {
        try await withOrderService { client, fixture in
            let now = Date()
            let stuck = Order.pending(NewOrder(customerId: "c-1", items: draft.items), at: now.addingTimeInterval(-7200))
            _ = try await fixture.database.insert(stuck, idempotencyKey: nil, fingerprint: nil, retryAt: now)
            #expect(try await fixture.database.markNeedingAttention(id: stuck.id, message: "stuck", triedAt: now, at: now))
            #expect(try await fixture.database.nextRetry() == nil)

            let path = "/admin/orders/\(stuck.id)/retry"
            #expect(try await client.execute(uri: path, method: .post).status == .unauthorized)
            let retried = try await client.execute(uri: path, method: .post, headers: .adminRead)
            #expect(retried.status == .accepted, "\(retried.text)")
            #expect(retried.text.contains(#""needsAttention":true"#))
            #expect(try await fixture.database.duePending(asOf: Date(), triedBefore: nil, limit: 10).map(\.order.id) == [stuck.id])

            #expect(try await client.execute(uri: "/admin/orders/nope/retry", method: .post, headers: .adminRead).status == .notFound)
            let shipped = Order.pending(NewOrder(customerId: "c-2", items: draft.items), at: now)
            _ = try await fixture.database.insert(shipped, idempotencyKey: nil, fingerprint: nil, retryAt: now)
            _ = try await fixture.database.settle(shipped, .shipped, at: now)
            #expect(try await client.execute(uri: "/admin/orders/\(shipped.id)/retry", method: .post, headers: .adminRead).status == .conflict)
            // Older than the key retention (24 h here): inventory may have forgotten the key.
            let ancient = Order.pending(NewOrder(customerId: "c-3", items: draft.items), at: now.addingTimeInterval(-25 * 3600))
            _ = try await fixture.database.insert(ancient, idempotencyKey: nil, fingerprint: nil, retryAt: now.addingTimeInterval(3600))
            let refused = try await client.execute(uri: "/admin/orders/\(ancient.id)/retry", method: .post, headers: .adminRead)
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("Too old to retry"))
        }
    }
}
