import Foundation
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

/// A fresh order database of `backend`, opened the way the service opens it.
private func withDatabase(_ backend: StorageBackend, _ body: (any OrderRepository) async throws -> Void) async throws {
    try await backend.withStorage(named: "orders", open: { try await OrderStorage.open($0) }) { try await body($0.repository) }
}

/// Whole seconds, so dates survive storage exactly.
private let base = Date(timeIntervalSince1970: 1_800_000_000)

private func pendingOrder(_ id: String, createdAt: Date = base) -> Order {
    Order(
        id: id, customerId: "c-42", items: draft.items, status: .pending,
        message: OrderMessage.awaitingInventory, createdAt: createdAt, updatedAt: createdAt
    )
}

/// What every order storage backend must do, written against `OrderRepository` alone: each test runs
/// on every backend in `StorageBackend.available`.
@Suite("OrderRepository conformance", .timeLimit(.minutes(3)))
struct OrderRepositoryConformance {
    @Test("an inserted order reads back as it was", arguments: StorageBackend.available)
    func roundTrip(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
            let order = pendingOrder("o1")
            let stored = try await database.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: base)
            #expect(stored == StoredOrder(order: order, fingerprint: nil, inserted: true, ordinal: 1))
            #expect(try await database.order(id: "o1") == order)
            #expect(try await database.order(id: "nope") == nil)
        }
    }

    @Test("an idempotency key already taken returns the earlier order and inserts nothing", arguments: StorageBackend.available)
    func idempotencyKeyTaken(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
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

    @Test("settle is idempotent: the first final word stands", arguments: StorageBackend.available)
    func settleIsIdempotent(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
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

    @Test("a rejection records its reason", arguments: StorageBackend.available)
    func settleRejected(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
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

    @Test("settling an unknown order returns nil", arguments: StorageBackend.available)
    func settleUnknown(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
            #expect(try await database.settle(pendingOrder("ghost"), .shipped, at: base) == nil)
        }
    }

    @Test("orders(status:limit:) is newest first, filtered and limited", arguments: StorageBackend.available)
    func listing(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
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

    @Test("orders created in the same instant list the later insert first", arguments: StorageBackend.available)
    func listingTies(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
            for id in ["a", "b", "c"] {
                _ = try await database.insert(pendingOrder(id), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            }
            #expect(try await database.orders(status: nil, limit: 10).map(\.id) == ["c", "b", "a"])
        }
    }

    @Test("postpone counts an attempt, and only for pending orders", arguments: StorageBackend.available)
    func postpone(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
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

    @Test("duePending returns pending orders that are due, oldest first, up to the limit", arguments: StorageBackend.available)
    func duePending(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
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

    @Test("after a recovery, orders whose last try began before it are due whatever their backoff", arguments: StorageBackend.available)
    func duePendingAfterARecovery(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
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

    @Test("each new order gets the next ordinal, counted from 1; an order found by its key gets none", arguments: StorageBackend.available)
    func ordinals(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
            let first = try await database.insert(pendingOrder("o1"), idempotencyKey: "k1", fingerprint: "f", retryAt: base)
            let second = try await database.insert(pendingOrder("o2"), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            let replay = try await database.insert(pendingOrder("o3"), idempotencyKey: "k1", fingerprint: "f", retryAt: base)
            let third = try await database.insert(pendingOrder("o4"), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            #expect([first.ordinal, second.ordinal, replay.ordinal, third.ordinal] == [1, 2, nil, 3])
        }
    }

    @Test("an id that is taken already is refused, and nothing is stored", arguments: StorageBackend.available)
    func idTaken(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
            _ = try await database.insert(pendingOrder("o1"), idempotencyKey: nil, fingerprint: nil, retryAt: base)
            await #expect(throws: OrderStoreError.idTaken) {
                _ = try await database.insert(pendingOrder("o1"), idempotencyKey: "k", fingerprint: "f", retryAt: base)
            }
            #expect(try await database.order(idempotencyKey: "k") == nil)
            #expect(try await database.orders(status: nil, limit: 10).count == 1)
        }
    }

    @Test("forgetting old idempotency keys frees them and keeps the orders", arguments: StorageBackend.available)
    func forgetIdempotencyKeys(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database throws in
            _ = try await database.insert(pendingOrder("old"), idempotencyKey: "k-old", fingerprint: "f", retryAt: base)
            _ = try await database.insert(
                pendingOrder("new", createdAt: base.addingTimeInterval(3600)), idempotencyKey: "k-new", fingerprint: "f",
                retryAt: base)
            #expect(try await database.forgetIdempotencyKeys(createdBefore: base.addingTimeInterval(60)) == 1)
            #expect(try await database.order(idempotencyKey: "k-old") == nil)
            #expect(try await database.order(idempotencyKey: "k-new")?.order.id == "new")
            #expect(try await database.order(id: "old") != nil)
            // The key is free again: a new order may take it.
            let again = try await database.insert(pendingOrder("o2"), idempotencyKey: "k-old", fingerprint: "f", retryAt: base)
            #expect(again.inserted)
        }
    }
}
