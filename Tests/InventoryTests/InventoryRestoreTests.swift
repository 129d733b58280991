import Foundation
import Inventory
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("Inventory's database after a restore", .timeLimit(.minutes(5)))
struct InventoryRestoreTests {
    @Test("deductions of orders the restored order database does not know are undone, with their events; the rest kept")
    func forgetsDeductionsOfUnknownOrders() async throws {
        try await withTemporaryDirectory { directory in
            let storage = try await InventoryStorage.open(.sqlite(path: directory.appendingPathComponent("inventory.sqlite").path))
            let database = try #require(storage.repository as? SQLiteInventoryRepository)
            let feed = try #require(storage.feed)
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            _ = try await database.upsert(Product(sku: "B", name: "Banana", stock: 1))
            _ = try await database.deduct(key: "known", lines: [StockLine(sku: "A", quantity: 2)])
            _ = try await database.deduct(
                key: "later", lines: [StockLine(sku: "A", quantity: 3), StockLine(sku: "B", quantity: 1)])
            _ = try await database.deduct(key: "later-refused", lines: [StockLine(sku: "B", quantity: 5)])
            #expect(try await database.product(sku: "A")?.stock == 5)
            let before = try await feed.page(after: 0, limit: 500).events.count

            let undone = try await database.forgetDeductions(notIn: ["known"])

            #expect(undone.map(\.key) == ["later", "later-refused"])
            #expect(try await database.product(sku: "A")?.stock == 8)
            #expect(try await database.product(sku: "B")?.stock == 1)
            #expect(try await database.deduction(key: "known")?.outcome == .applied)
            #expect(try await database.deduction(key: "later") == nil)
            #expect(try await database.deduction(key: "later-refused") == nil)
            // Every change of stock has its event, the ones a restore makes too.
            let events = try await feed.page(after: Int64(before), limit: 500).events
            #expect(events.map(\.type) == [EventType.stockChanged, EventType.stockChanged])
            #expect(events.map(\.subject) == ["A", "B"])
            #expect(try await database.forgetDeductions(notIn: ["known"]).isEmpty)
        }
    }
}
