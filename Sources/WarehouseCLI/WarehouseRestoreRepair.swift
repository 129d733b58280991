import Backup
import Foundation
import Inventory
import Order
import WarehouseKit

/// Brings the restored databases to one cut. They were copied one after the other, followers first
/// (`SystemDeclaration.databasesInCopyOrder`): notification, then order, then inventory.
///
/// - Inventory may hold deductions for orders placed after order's copy: they are undone here.
/// - A pending order whose deduction inventory did record needs nothing: the order service's
///   reconciler asks again under the same key once it runs, and gets the recorded answer.
/// - Notification needs nothing: its copy is older than order's, so its place in the order feed is at
///   or before the restored feed's end, and its follower reads on from there, once per event.
struct WarehouseRestoreRepair: RestoreRepair {
    func repair(databasesIn directory: URL) async throws -> [String] {
        let orders = directory.appendingPathComponent(ServiceName.order.descriptor.databaseFile!)
        let inventory = directory.appendingPathComponent(ServiceName.inventory.descriptor.databaseFile!)
        guard FileManager.default.fileExists(atPath: orders.path), FileManager.default.fileExists(atPath: inventory.path) else {
            return []
        }
        let orderPool = try SQLiteStore.open(path: orders.path)
        let orderIDs = try await SQLiteOrderRepository(orderPool).allOrderIDs()
        try orderPool.close()
        let inventoryPool = try SQLiteStore.open(path: inventory.path)
        let undone = try await SQLiteInventoryRepository(inventoryPool).forgetDeductions(notIn: orderIDs)
        try inventoryPool.close()
        return undone.map { record in
            let lines = record.lines.map { "\($0.quantity) \($0.sku)" }.joined(separator: ", ")
            return record.outcome == .applied
                ? "undid deduction \(record.key) (\(lines) back in stock): its order was placed after the order database was copied"
                : "forgot refused deduction \(record.key): its order was placed after the order database was copied"
        }
    }
}
