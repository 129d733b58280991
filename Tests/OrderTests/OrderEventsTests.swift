import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

/// The order service's outbox: an event in the same transaction as each change of an order's state,
/// and the feed that serves them.
@Suite("Order events", .timeLimit(.minutes(3)))
struct OrderEventsTests {
    func events(_ fixture: OrderFixture) async throws -> [StoredEvent] {
        try await fixture.feed.page(after: 0, limit: 500).events
    }

    @Test("an order that ships: placed, then shipped, each carrying the order as the API shows it")
    func shipped() async throws {
        try await withOrderService(.applied) { client, fixture in
            let response = try await client.postOrder()
            let order = try response.decode(OrderBody.self)
            let events = try await events(fixture)
            #expect(events.map(\.type) == [EventType.orderPlaced, EventType.orderShipped])
            #expect(events.map(\.subject) == [order.id, order.id])
            #expect(events.map(\.position) == [1, 2])
            #expect(Set(events.map(\.id)).count == 2)
            let placed = try JSONDecoder().decode(OrderBody.self, from: Data(events[0].data.utf8))
            #expect(placed.status == "pending" && placed.id == order.id && placed.createdAt == order.createdAt)
            // The shipped event's data is the very representation GET /orders/{id} answers with.
            let read = try await client.execute(uri: "/orders/\(order.id)", method: .get)
            #expect(events[1].data == read.text)
        }
    }

    @Test("a rejected order: placed, then rejected with its reason")
    func rejected() async throws {
        try await withOrderService(.rejected("Not enough stock for CONSOLE-PS5.")) { client, fixture in
            _ = try await client.postOrder()
            let events = try await events(fixture)
            #expect(events.map(\.type) == [EventType.orderPlaced, EventType.orderRejected])
            let rejected = try JSONDecoder().decode(OrderBody.self, from: Data(events[1].data.utf8))
            #expect(rejected.reason == "Not enough stock for CONSOLE-PS5.")
        }
    }

    @Test("an order left pending: delayed once, however often it is tried again, then shipped")
    func delayedOnce() async throws {
        try await withOrderFixture(.fail(.unavailable("connection refused"))) { fixture in
            let placement = try await fixture.flow.placement.place(draft, idempotencyKey: nil)
            #expect(placement.order.status == .pending)
            await fixture.flow.pendingBell.wait(atMost: .seconds(3600))  // rung once the request's try is recorded
            // The reconciler's tries: three more without an answer, then inventory answers.
            func retry() async throws {
                let pending = try #require(try await fixture.database.duePending(asOf: .distantFuture, limit: 1).first)
                _ = try await fixture.flow.reconciler.retry.retry(pending)
            }
            for _ in 1...3 { try await retry() }
            fixture.inventory.script(.applied)
            try await retry()
            let events = try await events(fixture)
            #expect(events.map(\.type) == [EventType.orderPlaced, EventType.orderDelayed, EventType.orderShipped])
            let delayed = try JSONDecoder().decode(OrderBody.self, from: Data(events[1].data.utf8))
            #expect(delayed.status == "pending")
            #expect(delayed.message.contains("Inventory is unavailable right now"))
        }
    }

    @Test("settling an order already final writes no event: the event exists exactly when the change committed")
    func settledTwice() async throws {
        try await withOrderFixture(.applied) { fixture in
            let placement = try await fixture.flow.placement.place(draft, idempotencyKey: nil)
            let pending = Order.pending(draft, at: placement.order.createdAt, id: placement.order.id)
            _ = try await fixture.database.settle(pending, .rejected(reason: "late"), at: Date())
            #expect(try await events(fixture).map(\.type) == [EventType.orderPlaced, EventType.orderShipped])
        }
    }

    @Test("a replayed Idempotency-Key places nothing and writes no event")
    func replay() async throws {
        try await withOrderService(.applied) { client, fixture in
            _ = try await client.postOrder(headers: .json(idempotencyKey: "k-1"))
            let replay = try await client.postOrder(headers: .json(idempotencyKey: "k-1"))
            #expect(replay.headers[.idempotentReplayed] == "true")
            #expect(try await events(fixture).count == 2)
        }
    }

    @Test("GET /events serves the feed, and a long poll is answered by the next order")
    func feedOverHTTP() async throws {
        try await withOrderService(.applied) { client, _ in
            let empty = try await client.execute(uri: "/events?after=0&waitMs=0", method: .get)
            #expect(empty.status == .ok)
            #expect(empty.text == #"{"events":[],"latest":0,"next":0}"#)
            async let waiting = client.execute(uri: "/events?after=0&waitMs=30000&limit=1", method: .get)
            _ = try await client.postOrder()
            let page = try await waiting
            let body = try JSONDecoder.warehouse.decode(FeedPage<OrderSnapshot>.self, from: Data(page.body.readableBytesView))
            #expect(body.events.map(\.type) == [EventType.orderPlaced])
            #expect(body.events.first?.source == "/warehouse/order")
            #expect(body.next == 1)
        }
    }

    @Test(
        "bad feed queries: 400 problem, nothing changed",
        arguments: ["after=-1", "after=x", "limit=0", "limit=501", "waitMs=30001", "waitMs=1e3"])
    func badQueries(query: String) async throws {
        try await withOrderService(.applied) { client, _ in
            let response = try await client.execute(uri: "/events?\(query)", method: .get)
            #expect(response.status == .badRequest, "\(query)")
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try response.decode(ProblemBody.self).title == "Invalid parameter")
        }
    }

    @Test("a position ahead of the feed: 409 problem")
    func aheadOverHTTP() async throws {
        try await withOrderService(.applied) { client, _ in
            let response = try await client.execute(uri: "/events?after=5", method: .get)
            #expect(response.status == .conflict)
            #expect(try response.decode(ProblemBody.self).title == "Position ahead of the feed")
        }
    }

    @Test("POST /events: 405 with Allow")
    func wrongMethod() async throws {
        try await withOrderService(.applied) { client, _ in
            let response = try await client.execute(uri: "/events", method: .post)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "GET, HEAD")
        }
    }
}

/// The order as its events carry it (`data`), as far as these tests read it.
struct OrderSnapshot: Decodable, Sendable {
    var id: String
    var status: String
}
