import Backup
import Foundation
import Inventory
import Notification
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

@testable import WarehouseCLI

/// A restore point's databases are copied one after the other; these tests hold the order they are
/// copied in and the repair that takes them back to one cut.
@Suite("A restore point across the services' databases", .timeLimit(.minutes(5)))
struct RestoreCutTests {
    @Test("every service's database is in a restore point, copied followers first: notification, order, inventory")
    func copyOrder() async throws {
        try await withTemporaryDirectory { data in
            for file in ["inventory.sqlite", "orders.sqlite", "notifications.sqlite", "unrelated.sqlite"] {
                _ = FileManager.default.createFile(atPath: data.appendingPathComponent(file).path, contents: Data())
            }
            let names = try BackupPlan.sources(in: data).map(\.name)
            #expect(names == ["notifications.sqlite", "orders.sqlite", "inventory.sqlite"])
        }
    }

    @Test("a deduction inventory recorded after order's copy is undone by the restore; notification's subscriptions come back")
    func restoreMakesOneCut() async throws {
        try await withTemporaryDirectory { directory in
            let data = directory.appendingPathComponent("data", isDirectory: true)
            let orders = try await OrderStorage.open(.sqlite(path: data.appendingPathComponent("orders.sqlite").path)).repository
            let inventory = try await InventoryStorage.open(.sqlite(path: data.appendingPathComponent("inventory.sqlite").path)).repository
            let notifications = try await NotificationStorage.open(
                .sqlite(path: data.appendingPathComponent("notifications.sqlite").path)
            ).repository
            let order = Order.pending(NewOrder(customerId: "c-1", items: [OrderLine(sku: "A", quantity: 2)]), at: Date())
            _ = try await orders.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: Date())
            _ = try await inventory.upsert(Product(sku: "A", name: "Apple", stock: 10))
            _ = try await inventory.deduct(key: order.id, lines: [StockLine(sku: "A", quantity: 2)])
            // What the copy of inventory.sqlite holds of an order placed after orders.sqlite was copied.
            _ = try await inventory.deduct(key: "placed-after-the-orders-copy", lines: [StockLine(sku: "A", quantity: 3)])
            let (subscription, _) = try await notifications.putSubscription(
                customerId: "c-1", url: "https://shop.example/hooks", now: Date())

            let repository = try BackupRepository.openOrCreate(at: directory.appendingPathComponent("backup"))
            let point = try Snapshotter(repository: repository).snapshot(try BackupPlan.sources(in: data)).point
            let target = directory.appendingPathComponent("restored", isDirectory: true)
            let report = try await Restorer(repository: repository).restore(point, to: target, repair: WarehouseRestoreRepair())

            #expect(report.repairs.count == 1, "\(report.repairs)")
            let restoredInventory = try await InventoryStorage.open(.sqlite(path: target.appendingPathComponent("inventory.sqlite").path))
                .repository
            #expect(try await restoredInventory.product(sku: "A")?.stock == 8, "10, less the 2 of the one order restored")
            #expect(try await restoredInventory.deduction(key: order.id)?.outcome == .applied)
            #expect(try await restoredInventory.deduction(key: "placed-after-the-orders-copy") == nil)
            let restoredNotifications = try await NotificationStorage.open(
                .sqlite(path: target.appendingPathComponent("notifications.sqlite").path)
            ).repository
            #expect(try await restoredNotifications.subscription(customerId: "c-1") == subscription)
        }
    }
}
