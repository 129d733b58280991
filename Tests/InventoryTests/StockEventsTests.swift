import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import NIOCore
import Testing
import WarehouseKit
import WarehouseTestSupport

/// Inventory's outbox: stock events in the same transaction as each change of stock.
@Suite("Stock events", .timeLimit(.minutes(3)))
struct StockEventsTests {
    struct ProductData: Decodable, Equatable {
        var sku: String
        var name: String
        var stock: Int64
    }

    /// Inventory's storage on each available backend: the repository, and the feed its writes publish to.
    func withStorage(_ body: (any InventoryRepository, EventFeed) async throws -> Void) async throws {
        try await StorageBackend.onEach(named: "inventory", open: { try await InventoryStorage.open($0) }) { storage, _ in
            try await body(storage.repository, try #require(storage.feed))
        }
    }

    func events(_ feed: EventFeed) async throws -> [(type: String, product: ProductData)] {
        try await feed.page(after: 0, limit: 500).events.map {
            ($0.type, try JSONDecoder().decode(ProductData.self, from: Data($0.data.utf8)))
        }
    }

    @Test("a deduction: stock.changed per SKU, and stock.depleted for one that reaches 0")
    func deduction() async throws {
        try await withStorage { database, feed in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 2))
            _ = try await database.upsert(Product(sku: "B", name: "Banana", stock: 5))
            _ = try await database.deduct(key: "k-1", lines: [StockLine(sku: "B", quantity: 1), StockLine(sku: "A", quantity: 2)])
            let events = try await events(feed).dropFirst(2)
            #expect(events.map(\.type) == [EventType.stockChanged, EventType.stockDepleted, EventType.stockChanged])
            #expect(events.map(\.product) == [
                ProductData(sku: "A", name: "Apple", stock: 0), ProductData(sku: "A", name: "Apple", stock: 0),
                ProductData(sku: "B", name: "Banana", stock: 4),
            ])
        }
    }

    @Test("a refused or replayed deduction changes no stock and writes no event")
    func noChangeNoEvent() async throws {
        try await withStorage { database, feed in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 1))
            _ = try await database.deduct(key: "k-1", lines: [StockLine(sku: "A", quantity: 2)])
            _ = try await database.deduct(key: "k-2", lines: [StockLine(sku: "A", quantity: 1)])
            _ = try await database.deduct(key: "k-2", lines: [StockLine(sku: "A", quantity: 1)])
            #expect(try await events(feed).map(\.type) == [
                EventType.stockChanged, EventType.stockChanged, EventType.stockDepleted,
            ])
        }
    }

    @Test("a restock is a change; setting the stock to 0 depletes it, once")
    func restock() async throws {
        try await withStorage { database, feed in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 3))
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 0))
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 0))
            #expect(try await events(feed).map(\.type) == [
                EventType.stockChanged, EventType.stockChanged, EventType.stockDepleted, EventType.stockChanged,
            ])
        }
    }

    @Test("the demo catalogue is published once, as it is seeded")
    func seeding() async throws {
        try await withStorage { database, feed in
            _ = try await database.seedOnce(DemoCatalogue.products)
            _ = try await database.seedOnce(DemoCatalogue.products)
            let events = try await events(feed)
            #expect(events.count == DemoCatalogue.products.count)
            #expect(events.allSatisfy { $0.type == EventType.stockChanged })
        }
    }

    @Test("GET /events on inventory: the stock feed, with bad queries refused")
    func feedOverHTTP() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 3))
            let page = try await client.execute(uri: "/events?after=0", method: .get)
            #expect(page.status == .ok)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(page.body.readableBytesView)) as? [String: Any])
            let event = try #require((object["events"] as? [[String: Any]])?.first)
            #expect(event["source"] as? String == "/warehouse/inventory")
            #expect(event["subject"] as? String == "A")
            let bad = try await client.execute(uri: "/events?limit=1000", method: .get)
            #expect(bad.status == .badRequest)
            #expect(bad.headers[.contentType] == "application/problem+json")
        }
    }
}
