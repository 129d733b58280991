import Foundation
import Logging
import WarehouseKit

/// Forgets deduction records once they are older than the retention (`--deduction-retention-h`, 30 days
/// by default): applied, refused and unknown-SKU records alike, 500 at a time, oldest first, through an
/// index on `recordedAt` (`InventoryRepository.forgetDeductions`).
///
/// Why forgetting a key is safe (docs/SECURITY.md, "Retention of deduction keys"): a record answers a
/// repeated call with the same key, and the order service sends a key again only while it may still act
/// on that order: its reconciler until the order settles or needs attention (`--attention-after-s`, at
/// most a day), a replay of its `Idempotency-Key` only while the order keeps its key
/// (`--idempotency-retention-h`). The retention here is longer than both (`warehouse up` refuses a
/// shorter one), so no call can come for a key after its record is gone.
package enum DeductionPruner {
    package static func make(
        repository: any InventoryRepository, retention: Duration, batchSize: Int = 500, logger: Logger
    ) -> RetentionPruner {
        RetentionPruner(
            what: "deduction records", retention: retention, interval: .seconds(3600), batchSize: batchSize, logger: logger
        ) {
            try await repository.forgetDeductions(recordedBefore: $0, limit: $1)
        }
    }
}
