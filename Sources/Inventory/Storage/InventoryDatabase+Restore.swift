import Foundation
import GRDB
import WarehouseKit

extension InventoryDatabase {
    /// Takes a restored inventory back to the cut of the restored order database: every deduction whose
    /// key is not one of `keys` (the order ids the order database knows) is undone, its units back in
    /// stock if it was applied, its record gone.
    ///
    /// A backup copies the order database first and inventory a moment later (`warehouse backup`), so
    /// inventory may hold deductions for orders placed in between, which the restored order service never
    /// took. Those orders are not in the restored world; neither may their deductions be. The order
    /// service deducts under the order's id, the only caller of `PUT /deductions/{key}`. Returns what it
    /// undid.
    package func forgetDeductions(notIn keys: Set<String>) async throws -> [DeductionRecord] {
        try await writer.write { db in
            var undone: [DeductionRecord] = []
            let rows = try Row.fetchAll(db, sql: "SELECT key FROM deductions")
            for key in rows.map({ $0["key"] as String }) where !keys.contains(key) {
                guard let record = try Self.fetchDeduction(db, key: key)?.record else { continue }
                if record.outcome == .applied {
                    for line in record.lines {
                        try db.execute(
                            sql: "UPDATE products SET stock = stock + ?, updatedAt = ? WHERE sku = ?",
                            arguments: [line.quantity, UTCTimestamp.sqlite(Date()), line.sku])
                    }
                }
                try db.execute(sql: "DELETE FROM deductions WHERE key = ?", arguments: [key])
                undone.append(record)
            }
            return undone
        }
    }
}
