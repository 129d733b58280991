import Foundation
import Logging

/// Deletes a publisher's events once they are older than its retention (`--event-retention-h`, 7 days
/// by default), a small batch per transaction, and records how far it pruned so a reader left behind
/// gets a 410 instead of a silent gap (`EventStore.prune`).
package enum EventPruner {
    package static func make(store: any EventStore, retention: Duration, batchSize: Int = 1000, logger: Logger) -> RetentionPruner {
        RetentionPruner(what: "events", retention: retention, interval: .seconds(300), batchSize: batchSize, logger: logger) {
            try await store.prune(writtenBefore: $0, limit: $1)
        }
    }
}
