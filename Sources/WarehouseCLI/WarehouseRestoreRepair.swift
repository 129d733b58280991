import Backup
import Foundation
import Inventory
import Order
import WarehouseKit

/// Brings restored order and inventory databases to one cut: the deductions inventory recorded for
/// orders the restored order database does not hold (placed between the two copies) are undone.
/// Pending orders whose deduction inventory did record need nothing here: the order service's
/// reconciler asks inventory again under the same key once it runs, and gets the recorded answer.
struct WarehouseRestoreRepair: RestoreRepair {
    func repair(databasesIn directory: URL) async throws -> [String] {
        let orders = directory.appendingPathComponent("orders.sqlite")
        let inventory = directory.appendingPathComponent("inventory.sqlite")
        guard FileManager.default.fileExists(atPath: orders.path), FileManager.default.fileExists(atPath: inventory.path) else {
            return []
        }
        let orderPool = try SQLiteStore.open(path: orders.path)
        let orderIDs = try await OrderDatabase(orderPool).allOrderIDs()
        try orderPool.close()
        let inventoryPool = try SQLiteStore.open(path: inventory.path)
        let undone = try await InventoryDatabase(inventoryPool).forgetDeductions(notIn: orderIDs)
        try inventoryPool.close()
        return undone.map { record in
            let lines = record.lines.map { "\($0.quantity) \($0.sku)" }.joined(separator: ", ")
            return record.outcome == .applied
                ? "undid deduction \(record.key) (\(lines) back in stock): its order was placed after the order database was copied"
                : "forgot refused deduction \(record.key): its order was placed after the order database was copied"
        }
    }
}
