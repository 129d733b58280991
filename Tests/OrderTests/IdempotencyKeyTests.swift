import Foundation
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("OrderPlacement: Idempotency-Key", .timeLimit(.minutes(3)))
struct IdempotencyKeyTests {
    @Test("the same key and draft return the same order, replayed, and create nothing new")
    func replay() async throws {
        try await withOrderFixture(.applied) { fixture in
            let first = try await fixture.flow.placement.place(draft, idempotencyKey: "key-1")
            #expect(first.replayed == false)
            #expect(first.order.status == .shipped)

            let second = try await fixture.flow.placement.place(draft, idempotencyKey: "key-1")
            #expect(second.replayed == true)
            #expect(second.order.id == first.order.id)
            #expect(second.order.status == .shipped)

            #expect(try await fixture.database.orders(status: nil, limit: 10).count == 1)
            // A settled order is answered from storage: inventory is not asked again.
            #expect(fixture.inventory.calls.count == 1)
        }
    }

    @Test("the same key with a different draft is refused")
    func reusedKey() async throws {
        try await withOrderFixture(.applied) { fixture in
            _ = try await fixture.flow.placement.place(draft, idempotencyKey: "key-1")
            var other = draft
            other.items[0].quantity = 5
            await #expect(throws: OrderError.idempotencyKeyReused) {
                _ = try await fixture.flow.placement.place(other, idempotencyKey: "key-1")
            }
            var otherCustomer = draft
            otherCustomer.customerId = "c-43"
            await #expect(throws: OrderError.idempotencyKeyReused) {
                _ = try await fixture.flow.placement.place(otherCustomer, idempotencyKey: "key-1")
            }
            #expect(try await fixture.database.orders(status: nil, limit: 10).count == 1)
            #expect(fixture.inventory.calls.count == 1)
        }
    }

    @Test("different keys make different orders")
    func differentKeys() async throws {
        try await withOrderFixture(.applied) { fixture in
            let first = try await fixture.flow.placement.place(draft, idempotencyKey: "key-1")
            let second = try await fixture.flow.placement.place(draft, idempotencyKey: "key-2")
            #expect(first.order.id != second.order.id)
            #expect(second.replayed == false)
        }
    }

    @Test("replaying a pending order asks inventory again and can settle it")
    func replayPending() async throws {
        try await withOrderFixture(.fail(.unavailable("connection refused"))) { fixture in
            let first = try await fixture.flow.placement.place(draft, idempotencyKey: "key-1")
            #expect(first.order.status == .pending)

            fixture.inventory.script(.applied)
            let second = try await fixture.flow.placement.place(draft, idempotencyKey: "key-1")
            #expect(second.replayed)
            #expect(second.order.id == first.order.id)
            #expect(second.order.status == .shipped)
            #expect(fixture.inventory.calls.map(\.key) == [first.order.id, first.order.id])
            #expect(try await fixture.database.orders(status: nil, limit: 10).count == 1)
        }
    }

    @Test("a second request while the first with the same key is in flight is refused as in progress")
    func inFlight() async throws {
        // The gate, not the (generous) deadline, ends the first request; one per backend (one shared
        // would be open already on the second).
        try await withOrderFixture { fixture in
            let gate = Gate()
            fixture.inventory.script(.after(gate, .applied))
            defer { gate.open() }
            let placement = fixture.flow.placement
            let first = Task { try await placement.place(draft, idempotencyKey: "key-1") }
            await fixture.inventory.waitForCalls(1)
            await #expect(throws: OrderError.idempotencyKeyInFlight) {
                _ = try await placement.place(draft, idempotencyKey: "key-1")
            }
            gate.open()
            let answered = try await first.value
            #expect(answered.order.status == .shipped)
            // Once the first is answered, the key replays.
            #expect(try await placement.place(draft, idempotencyKey: "key-1").replayed)
        }
    }
}
