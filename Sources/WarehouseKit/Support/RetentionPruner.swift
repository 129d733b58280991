import Foundation
import Logging
import ServiceLifecycle

/// Forgets what a service keeps once it is older than a retention, every `interval`: a small batch per
/// transaction (`forget` takes a cutoff and a batch size and returns how many went), batch after batch,
/// so the writers it shares the database with never wait long, however much is due.
package struct RetentionPruner: Service {
    /// What is forgotten, for its log lines ("events", "deduction records").
    package let what: String
    package let retention: Duration
    package var interval: Duration
    package var batchSize: Int
    package let forget: @Sendable (_ cutoff: Date, _ limit: Int) async throws -> Int
    package let logger: Logger

    package init(
        what: String, retention: Duration, interval: Duration, batchSize: Int, logger: Logger,
        forget: @escaping @Sendable (_ cutoff: Date, _ limit: Int) async throws -> Int
    ) {
        self.what = what
        self.retention = retention
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
        self.forget = forget
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await pruneOnce()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Forgets everything older than the retention at `now`, batch after batch. Returns how much went.
    @discardableResult
    package func pruneOnce(now: Date = Date()) async -> Int {
        let cutoff = now.addingTimeInterval(-Double(retention.components.seconds))
        var pruned = 0
        do {
            while !Task.isCancelled {
                let batch = try await forget(cutoff, batchSize)
                pruned += batch
                if batch < batchSize { break }
                await Task.yield()
            }
        } catch {
            logger.error("could not forget old \(what)", metadata: ["error": "\(error)"])
        }
        if pruned > 0 { logger.info("\(what) forgotten", metadata: ["count": "\(pruned)"]) }
        return pruned
    }
}
