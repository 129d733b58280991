import Foundation
import Logging
import ServiceLifecycle

/// Deletes a publisher's events once they are older than its retention (`--event-retention-h`, 7 days
/// by default), a small batch per transaction so the writers it shares the database with never wait
/// long, and records how far it pruned so a reader left behind gets a 410 instead of a silent gap.
package struct EventPruner: Service {
    package let store: any EventStore
    package let retention: Duration
    package var interval: Duration = .seconds(300)
    package var batchSize = 1000
    package let logger: Logger

    package init(store: any EventStore, retention: Duration, logger: Logger) {
        self.store = store
        self.retention = retention
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await pruneOnce()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Prunes every event older than the retention, batch after batch. Returns how many went.
    @discardableResult
    package func pruneOnce(now: Date = Date()) async -> Int {
        let cutoff = now.addingTimeInterval(-Double(retention.components.seconds))
        var pruned = 0
        do {
            while !Task.isCancelled {
                let deleted = try await store.prune(writtenBefore: cutoff, limit: batchSize)
                pruned += deleted
                if deleted < batchSize { break }
                await Task.yield()
            }
        } catch {
            logger.error("could not prune events", metadata: ["error": "\(error)"])
        }
        if pruned > 0 { logger.info("events pruned", metadata: ["count": "\(pruned)"]) }
        return pruned
    }
}
