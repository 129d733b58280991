import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("Order API: POST /orders", .timeLimit(.minutes(3)))
struct OrderCreateAPITests {
    @Test("inventory applies: 201 shipped, Location /orders/<id> as written")
    func shipped() async throws {
        try await withOrderService(.applied) { client, fixture in
            let response = try await client.postOrder()
            #expect(response.status == .created)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[.idempotentReplayed] == nil)
            #expect(response.headers[.requestID] != nil)
            let order = try response.decode(OrderBody.self)
            #expect(order.status == "shipped")
            #expect(order.message == OrderMessage.shipped)
            #expect(order.customerId == "c-42")
            #expect(order.items == [.init(sku: "CONSOLE-PS5", quantity: 1), .init(sku: "PAD-DUALSENSE", quantity: 2)])
            #expect(response.headers[.location] == "/orders/\(order.id)")
            #expect(fixture.inventory.calls == [.init(key: order.id, lines: draft.items)])

            let followed = try await client.execute(uri: "/orders/\(order.id)", method: .get)
            #expect(followed.status == .ok)
            #expect(try followed.decode(OrderBody.self) == order)
        }
    }

    @Test("inventory refuses: 409 rejected with the reason")
    func rejected() async throws {
        let reason = "Not enough stock for CONSOLE-PS5: 1 requested, 0 available."
        try await withOrderService(.rejected(reason)) { client, _ in
            let response = try await client.postOrder()
            #expect(response.status == .conflict)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let order = try response.decode(OrderBody.self)
            #expect(order.status == "rejected")
            #expect(order.reason == reason)
            #expect(response.headers[.location] == "/orders/\(order.id)")
            #expect(try await client.listOrders("?status=rejected").map(\.id) == [order.id])
        }
    }

    @Test("inventory hangs: 202 pending within the deadline, stored pending")
    func pendingWhenSlow() async throws {
        try await withOrderService(.hang, policy: .fast) { client, fixture in
            // The hang never ends by itself, so an answer at all shows the deadline worked.
            let response = try await client.postOrder()
            #expect(response.status == .accepted)
            let order = try response.decode(OrderBody.self)
            #expect(order.status == "pending")
            #expect(order.message.contains("Inventory is responding slowly"))
            #expect(response.headers[.location] == "/orders/\(order.id)")
            #expect(try await fixture.database.order(id: order.id)?.status == .pending)
        }
    }

    @Test("inventory unavailable: 202 pending with that message")
    func pendingWhenUnavailable() async throws {
        try await withOrderService(.fail(.unavailable("connection refused"))) { client, _ in
            let response = try await client.postOrder()
            #expect(response.status == .accepted)
            #expect(try response.decode(OrderBody.self).message.contains("Inventory is unavailable right now"))
        }
    }

    @Test("Idempotency-Key replay: Idempotent-Replayed: true and the same order")
    func idempotentReplay() async throws {
        try await withOrderService(.applied) { client, fixture in
            let first = try await client.postOrder(headers: .json(idempotencyKey: "checkout-7"))
            #expect(first.status == .created)
            #expect(first.headers[.idempotentReplayed] == nil)
            let second = try await client.postOrder(headers: .json(idempotencyKey: "checkout-7"))
            #expect(second.status == .created)
            #expect(second.headers[.idempotentReplayed] == "true")
            let firstOrder = try first.decode(OrderBody.self)
            let secondOrder = try second.decode(OrderBody.self)
            #expect(secondOrder.id == firstOrder.id)
            #expect(second.headers[.location] == "/orders/\(firstOrder.id)")
            #expect(try await client.listOrders().count == 1)
            #expect(fixture.inventory.calls.count == 1)
        }
    }

    @Test("Idempotency-Key replay of a pending order that can now be settled")
    func idempotentReplayOfPending() async throws {
        try await withOrderService(.fail(.unavailable("connection refused"))) { client, fixture in
            let first = try await client.postOrder(headers: .json(idempotencyKey: "checkout-7"))
            #expect(first.status == .accepted)
            fixture.inventory.script(.applied)
            let second = try await client.postOrder(headers: .json(idempotencyKey: "checkout-7"))
            #expect(second.status == .created)
            #expect(second.headers[.idempotentReplayed] == "true")
            #expect(try second.decode(OrderBody.self).id == first.decode(OrderBody.self).id)
        }
    }

    @Test("the same Idempotency-Key with another body is 422")
    func idempotencyKeyReused() async throws {
        try await withOrderService(.applied) { client, _ in
            _ = try await client.postOrder(headers: .json(idempotencyKey: "checkout-7"))
            let response = try await client.postOrder(
                #"{"customerId": "c-42", "items": [{"sku": "CONSOLE-PS5", "quantity": 9}]}"#,
                headers: .json(idempotencyKey: "checkout-7")
            )
            #expect(response.status == .unprocessableContent)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try response.decode(ProblemBody.self).title == "Idempotency key reused")
            #expect(try await client.listOrders().count == 1)
        }
    }

    @Test("an invalid Idempotency-Key is 400 and stores nothing", arguments: [String(repeating: "k", count: 300), "café"])
    func invalidIdempotencyKey(_ key: String) async throws {
        try await withOrderService(.applied) { client, fixture in
            let response = try await client.postOrder(headers: .json(idempotencyKey: key))
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try response.decode(ProblemBody.self).title == "Invalid Idempotency-Key")
            #expect(try await client.listOrders().isEmpty)
            #expect(fixture.inventory.calls.isEmpty)
        }
    }

    @Test("a second request while the first with the same key is in flight: 409 with Retry-After")
    func inFlight() async throws {
        // The gate, not the (generous) deadline, ends the first request; one per backend (one shared
        // would be open already on the second).
        try await withOrderService { client, fixture in
            let gate = Gate()
            fixture.inventory.script(.after(gate, .applied))
            defer { gate.open() }
            let first = Task { try await client.postOrder(headers: .json(idempotencyKey: "checkout-7")) }
            await fixture.inventory.waitForCalls(1)
            let second = try await client.postOrder(headers: .json(idempotencyKey: "checkout-7"))
            gate.open()
            #expect(second.status == .conflict)
            #expect(second.headers[.contentType] == "application/problem+json")
            #expect(second.headers[.retryAfter] == "1")
            #expect(try await first.value.status == .created)
            #expect(try await client.listOrders().count == 1)
        }
    }
}
