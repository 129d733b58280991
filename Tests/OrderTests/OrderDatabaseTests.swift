import Foundation
import GRDB
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

private func withDatabase(_ body: (OrderDatabase) async throws -> Void) async throws {
    try await withTemporaryDirectory { directory in
        let pool = try SQLiteStore.open(path: directory.appendingPathComponent("orders.sqlite").path)
        try await body(try OrderDatabase(pool))
    }
}

/// Whole seconds, so dates survive storage exactly.
private let base = Date(timeIntervalSince1970: 1_800_000_000)

private func pendingOrder(_ id: String, createdAt: Date = base) -> Order {
    Order(
        id: id, customerId: "c-42", items: draft.items, status: .pending,
        message: OrderMessage.awaitingInventory, createdAt: createdAt, updatedAt: createdAt
    )
}

@Suite("OrderDatabase", .timeLimit(.minutes(1)))
struct OrderDatabaseTests {
    @Test("an inserted order reads back as it was")
    func roundTrip() async throws {
        try await withDatabase { database throws in
            let order = pendingOrder("o1")
            let stored = try await database.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: base)
            #expect(stored == StoredOrder(order: order, fingerprint: nil, inserted: true, ordinal: 1))
            #expect(try await database.order(id: "o1") == order)
            #expect(try await database.order(id: "nope") == nil)
        }
    }

    @Test("an idempotency key already taken returns the earlier order and inserts nothing")
    func idempotencyKeyTaken() async throws {
        try await withDatabase { database throws in
            let first = pendingOrder("o1")
            _ = try await database.insert(first, idempotencyKey: "k", fingerprint: "f1", retryAt: base)
            let second = try await database.insert(pendingOrder("o2"), idempotencyKey: "k", fingerprint: "f2", retryAt: base)
            #expect(second == StoredOrder(order: first, fingerprint: "f1", inserted: false))
            #expect(try await database.order(id: "o2") == nil)
            #expect(
                try await database.order(idempotencyKey: "k") == StoredOrder(order: first, fingerprint: "f1", inserted: false))
            #expect(try await database.order(idempotencyKey: "other") == nil)
        }
    }

    @Test("settle is idempotent: the first final word stands")
    func settleIsIdempotent() async throws {
        try await withDatabase { database throws in
            _ = try await database.insert(pendingOrder("o1"), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            let now = base.addingTimeInterval(5)
            let shipped = try #require(try await database.settle(pendingOrder("o1"), .shipped, at: now))
            #expect(shipped.status == .shipped)
            #expect(shipped.message == OrderMessage.shipped)
            #expect(shipped.updatedAt == now)

            let again = try #require(
                try await database.settle(pendingOrder("o1"), .rejected(reason: "too late"), at: now.addingTimeInterval(5)))
            #expect(again == shipped)
            #expect(try await database.order(id: "o1") == shipped)
            #expect(try await database.pendingCount() == 0)
            #expect(try await database.nextRetry() == nil)
        }
    }

    @Test("a rejection records its reason")
    func settleRejected() async throws {
        try await withDatabase { database throws in
            _ = try await database.insert(pendingOrder("o1"), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            let rejected = try #require(
                try await database.settle(pendingOrder("o1"), .rejected(reason: "Unknown SKU X."), at: base))
            #expect(rejected.status == .rejected)
            #expect(rejected.reason == "Unknown SKU X.")
            #expect(rejected.message == OrderMessage.rejected("Unknown SKU X."))
            // Shipping later does not overturn it.
            #expect(try await database.settle(pendingOrder("o1"), .shipped, at: base)?.status == .rejected)
        }
    }

    @Test("settling an unknown order returns nil")
    func settleUnknown() async throws {
        try await withDatabase { database throws in
            #expect(try await database.settle(pendingOrder("ghost"), .shipped, at: base) == nil)
        }
    }

    @Test("orders(status:limit:) is newest first, filtered and limited")
    func listing() async throws {
        try await withDatabase { database throws in
            for index in 0..<4 {
                _ = try await database.insert(
                    pendingOrder("o\(index)", createdAt: base.addingTimeInterval(Double(index))),
                    idempotencyKey: nil, fingerprint: nil, retryAt: base
                )
            }
            _ = try await database.settle(pendingOrder("o1"), .shipped, at: base)
            _ = try await database.settle(pendingOrder("o3"), .shipped, at: base)

            #expect(try await database.orders(status: nil, limit: 10).map(\.id) == ["o3", "o2", "o1", "o0"])
            #expect(try await database.orders(status: nil, limit: 2).map(\.id) == ["o3", "o2"])
            #expect(try await database.orders(status: .shipped, limit: 10).map(\.id) == ["o3", "o1"])
            #expect(try await database.orders(status: .pending, limit: 10).map(\.id) == ["o2", "o0"])
            #expect(try await database.orders(status: .rejected, limit: 10).isEmpty)
        }
    }

    @Test("orders created in the same instant list the later insert first")
    func listingTies() async throws {
        try await withDatabase { database throws in
            for id in ["a", "b", "c"] {
                _ = try await database.insert(pendingOrder(id), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            }
            #expect(try await database.orders(status: nil, limit: 10).map(\.id) == ["c", "b", "a"])
        }
    }

    @Test("postpone counts an attempt, and only for pending orders")
    func postpone() async throws {
        try await withDatabase { database throws in
            _ = try await database.insert(pendingOrder("o1"), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            _ = try await database.insert(pendingOrder("o2"), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            try await database.postpone(id: "o1", message: "later", retryAt: base.addingTimeInterval(10))
            try await database.postpone(id: "o1", message: "later still", retryAt: base.addingTimeInterval(20))
            let due = try await database.duePending(asOf: .distantFuture, limit: 10)
            #expect(due.first { $0.order.id == "o1" }?.attempts == 2)
            #expect(due.first { $0.order.id == "o1" }?.order.message == "later still")

            _ = try await database.settle(pendingOrder("o2"), .shipped, at: base)
            try await database.postpone(id: "o2", message: "ignored", retryAt: base)
            #expect(try await database.order(id: "o2")?.message == OrderMessage.shipped)
        }
    }

    @Test("duePending returns pending orders that are due, oldest first, up to the limit")
    func duePending() async throws {
        try await withDatabase { database throws in
            _ = try await database.insert(
                pendingOrder("late", createdAt: base.addingTimeInterval(-1)), idempotencyKey: nil, fingerprint: nil,
                retryAt: base.addingTimeInterval(30))
            _ = try await database.insert(
                pendingOrder("mid"), idempotencyKey: nil, fingerprint: nil, retryAt: base.addingTimeInterval(20))
            _ = try await database.insert(
                pendingOrder("soon"), idempotencyKey: nil, fingerprint: nil, retryAt: base.addingTimeInterval(10))
            _ = try await database.insert(pendingOrder("done"), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            _ = try await database.settle(pendingOrder("done"), .shipped, at: base)

            #expect(try await database.duePending(asOf: base, limit: 10).isEmpty)
            // Created at the same instant: the one stored first comes first.
            #expect(
                try await database.duePending(asOf: base.addingTimeInterval(20), limit: 10).map(\.order.id) == ["mid", "soon"])
            #expect(try await database.duePending(asOf: .distantFuture, limit: 10).map(\.order.id) == ["late", "mid", "soon"])
            #expect(try await database.duePending(asOf: .distantFuture, limit: 1).map(\.order.id) == ["late"])
            #expect(try await database.nextRetry() == base.addingTimeInterval(10))
            #expect(try await database.nextRetry(after: base.addingTimeInterval(10)) == base.addingTimeInterval(20))
            #expect(try await database.nextRetry(after: base.addingTimeInterval(30)) == nil)
            #expect(try await database.pendingCount() == 3)
        }
    }

    @Test("after a recovery, orders whose last try began before it are due whatever their backoff")
    func duePendingAfterARecovery() async throws {
        try await withDatabase { database throws in
            let far = base.addingTimeInterval(3600)
            for id in ["a", "b", "c"] {
                _ = try await database.insert(pendingOrder(id), idempotencyKey: nil, fingerprint: nil, retryAt: far)
            }
            try await database.postpone(id: "a", message: "later", triedAt: base.addingTimeInterval(1), retryAt: far)
            try await database.postpone(id: "b", message: "later", triedAt: base.addingTimeInterval(3), retryAt: far)
            // "c" was never tried: its first request may still be under way, so a recovery leaves it to its retryAt.

            let now = base.addingTimeInterval(10)
            #expect(try await database.duePending(asOf: now, triedBefore: nil, limit: 10).isEmpty)
            #expect(try await database.duePending(asOf: now, triedBefore: base.addingTimeInterval(2), limit: 10).map(\.order.id) == ["a"])
            #expect(try await database.duePending(asOf: now, triedBefore: now, limit: 10).map(\.order.id) == ["a", "b"])
        }
    }
}
