import Foundation
import GRDB
import WarehouseKit

extension SQLiteInventoryRepository {
    /// Takes a restored inventory back to the cut of the restored order database: every deduction whose
    /// key is not one of `keys` (the ids of the orders the order database holds) is undone, its units
    /// back in stock (with their `stock.changed` events, as every change of stock writes) if it was
    /// applied, and every record of the key gone (the deduction, its ordinal, its injected faults).
    ///
    /// A backup copies the order database first and inventory a moment later (`warehouse backup`), so
    /// inventory may hold deductions for orders placed in between, which the restored order service never
    /// took. Those orders are not in the restored world; neither may their deductions be. The order
    /// service deducts under the order's id, the only caller of `PUT /deductions/{key}`. Returns what it
    /// undid, oldest first.
    package func forgetDeductions(notIn keys: Set<String>) async throws -> [DeductionRecord] {
        try await writer.write { db in
            var undone: [DeductionRecord] = []
            let now = Date()
            for key in try String.fetchAll(db, sql: "SELECT key FROM deductions ORDER BY recordedAt, key") where !keys.contains(key) {
                guard let record = try Self.fetchDeduction(db, key: key)?.record else { continue }
                if record.outcome == .applied {
                    for line in record.lines {
                        let row = try Row.fetchOne(
                            db,
                            sql: "UPDATE products SET stock = stock + ?, updatedAt = ? WHERE sku = ? RETURNING sku, name, stock",
                            arguments: [line.quantity, UTCTimestamp.sqlite(now), line.sku])
                        if let row { try StockEvents.append(Product(row: row), depleted: false, at: now, in: db) }
                    }
                }
                for table in ["deductions", "deductionOrdinals", "injectedFaults"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE key = ?", arguments: [key])
                }
                undone.append(record)
            }
            return undone
        }
    }
}
