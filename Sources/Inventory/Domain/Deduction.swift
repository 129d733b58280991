import Foundation

/// What happened to a deduction key. Recorded once, in the same transaction as the stock change,
/// and returned unchanged to every later call with the same key.
package enum DeductionOutcome: Sendable, Equatable {
    case applied
    /// Refused, with a reason that names the SKU at fault.
    case rejected(sku: String, reason: String)
}

package struct DeductionRecord: Sendable, Equatable {
    package var key: String
    package var outcome: DeductionOutcome
    package var lines: [StockLine]
    package var recordedAt: Date
    /// The key's place in the count that every-n-th chaos rules select by (`InventoryRepository.ordinal(of:)`),
    /// when a rule has counted it: what lets a load tell exactly which orders the gremlin was due to delay.
    package var ordinal: Int64?

    package init(key: String, outcome: DeductionOutcome, lines: [StockLine], recordedAt: Date, ordinal: Int64? = nil) {
        self.key = key
        self.outcome = outcome
        self.lines = lines
        self.recordedAt = recordedAt
        self.ordinal = ordinal
    }
}

/// A deduction answer: the record, and whether it was made by this call or by an earlier one.
package struct DeductionResult: Sendable, Equatable {
    package var record: DeductionRecord
    package var replayed: Bool

    package init(record: DeductionRecord, replayed: Bool) {
        self.record = record
        self.replayed = replayed
    }
}

/// The all-or-nothing rule, free of storage: given the stock of the SKUs asked for, either every line
/// fits or the first line that does not (in SKU order) is named in the refusal.
package enum DeductionRule {
    package static func decide(_ lines: [StockLine], stock: [String: Int64]) -> DeductionOutcome {
        for line in StockLine.normalized(lines) {
            guard let available = stock[line.sku] else {
                return .rejected(sku: line.sku, reason: "Unknown SKU \(line.sku).")
            }
            if available < Int64(line.quantity) {
                return .rejected(
                    sku: line.sku,
                    reason: "Not enough stock for \(line.sku): \(line.quantity) requested, \(available) available."
                )
            }
        }
        return .applied
    }
}
