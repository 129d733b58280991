import Foundation
import Logging
import ServiceLifecycle
import WarehouseKit

/// Drives every pending order to `shipped` or `rejected` by replaying its idempotent deduction until
/// inventory gives a definite answer. Orders left pending by a crash of this very service are picked
/// up the same way on the next start, since pending orders live in the database, not in memory.
///
/// A timeout is never taken for a failure: the order stays pending and is tried again after a
/// backoff with jitter.
package struct Reconciler: Service {
    package let processor: OrderProcessor
    /// Orders tried at once; the rest wait for the next round.
    package var batchSize = 32
    /// The longest the reconciler sleeps when nothing is due and nobody rings.
    package var idlePoll: Duration = .seconds(1)
    /// How often idempotency keys past their retention are forgotten.
    package var pruneInterval: Duration = .seconds(3600)

    package init(processor: OrderProcessor) {
        self.processor = processor
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            var nextPrune = ContinuousClock.now
            while !Task.isCancelled {
                if ContinuousClock.now >= nextPrune {
                    await pruneIdempotencyKeys()
                    nextPrune = ContinuousClock.now + pruneInterval
                }
                do {
                    let worked = try await runOnce()
                    if !worked { await processor.pendingBell.wait(atMost: try await timeUntilNextDue()) }
                } catch is CancellationError {
                    return
                } catch {
                    processor.logger.error("reconciler round failed", metadata: ["error": "\(error)"])
                    await processor.pendingBell.wait(atMost: idlePoll)
                }
            }
        }
    }

    /// Tries every order that is due now, concurrently. Returns whether there was any.
    @discardableResult
    package func runOnce() async throws -> Bool {
        let due = try await processor.repository.duePending(asOf: Date(), limit: batchSize)
        processor.metrics.pendingOrders(try await processor.repository.pendingCount())
        guard !due.isEmpty else { return false }
        await withTaskGroup(of: Void.self) { group in
            for pending in due {
                group.addTask {
                    // Each try gets a request id of its own, in its log lines and in its calls to
                    // inventory, as a request from a shopper would.
                    await RequestID.$current.withValue(RequestID.make()) {
                        let deadline = ContinuousClock.now + processor.policy.retryTimeout
                        let settled = await processor.settle(
                            pending.order, attempt: pending.attempts + 1, until: deadline, lookUpFirst: true)
                        processor.metrics.countReconcilerAttempt(settled: settled.status.isTerminal)
                    }
                }
            }
        }
        return true
    }

    /// Forgets idempotency keys older than the retention (24 h by default); their orders stay.
    package func pruneIdempotencyKeys(now: Date = Date()) async {
        let cutoff = now.addingTimeInterval(-processor.policy.idempotencyRetention.seconds)
        do {
            let forgotten = try await processor.repository.forgetIdempotencyKeys(createdBefore: cutoff)
            if forgotten > 0 { processor.logger.info("idempotency keys forgotten", metadata: ["count": "\(forgotten)"]) }
        } catch {
            processor.logger.error("could not forget old idempotency keys", metadata: ["error": "\(error)"])
        }
    }

    private func timeUntilNextDue() async throws -> Duration {
        guard let next = try await processor.repository.nextRetry() else { return idlePoll }
        let wait = next.timeIntervalSinceNow
        guard wait > 0 else { return .zero }
        return min(.milliseconds(Int(wait * 1000) + 1), idlePoll)
    }
}
