import Foundation
import Order
import Testing
import WarehouseKit

/// Idempotency keys are kept for their retention (24 h by default) and then forgotten; orders stay.
struct IdempotencyRetentionTests {
    @Test func keysOlderThanTheRetentionAreForgottenAndTheOrdersStay() async throws {
        try await withOrderFixture { fixture in
            let database = fixture.database
            let now = Date()
            let old = Order.pending(
                NewOrder(customerId: "c-1", items: [OrderLine(sku: "A", quantity: 1)]), at: now.addingTimeInterval(-25 * 3600))
            let fresh = Order.pending(NewOrder(customerId: "c-2", items: [OrderLine(sku: "A", quantity: 1)]), at: now)
            _ = try await database.insert(old, idempotencyKey: "old-key", fingerprint: "f1", retryAt: now)
            _ = try await database.insert(fresh, idempotencyKey: "fresh-key", fingerprint: "f2", retryAt: now)

            let forgotten = try await database.forgetIdempotencyKeys(createdBefore: now.addingTimeInterval(-24 * 3600))

            #expect(forgotten == 1)
            #expect(try await database.order(idempotencyKey: "old-key") == nil)
            #expect(try await database.order(idempotencyKey: "fresh-key")?.order.id == fresh.id)
            #expect(try await database.order(id: old.id) != nil)
        }
    }

    @Test func aKeyDerivedIdIsStableAndARandomOneIsNot() {
        let secret = OrderIDKey(serviceToken: BearerToken(String(repeating: "s", count: 64)))
        #expect(OrderID.make(idempotencyKey: "k-1", key: secret) == OrderID.make(idempotencyKey: "k-1", key: secret))
        #expect(OrderID.make(idempotencyKey: "k-1", key: secret) != OrderID.make(idempotencyKey: "k-2", key: secret))
        #expect(OrderID.make(idempotencyKey: nil, key: secret) != OrderID.make(idempotencyKey: nil, key: secret))
        #expect(UUID(uuidString: OrderID.make(idempotencyKey: "k-1", key: secret)) != nil)
        #expect(UUID(uuidString: OrderID.make(idempotencyKey: nil, key: secret)) != nil)
    }

    /// Who does not hold the install's secret cannot tell which id a key will get: another install (or
    /// a stranger computing the old unkeyed hash) gets another id for the same key.
    @Test func aKeyDerivedIdDependsOnTheInstallsSecret() {
        let one = OrderIDKey(serviceToken: BearerToken(String(repeating: "a", count: 64)))
        let other = OrderIDKey(serviceToken: BearerToken(String(repeating: "b", count: 64)))
        #expect(OrderID.make(idempotencyKey: "k-1", key: one) != OrderID.make(idempotencyKey: "k-1", key: other))
    }
}
