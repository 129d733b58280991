import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WarehouseKit

/// Drives every pending order to `shipped` or `rejected` by replaying its idempotent deduction until
/// inventory gives a definite answer. Orders left pending by a crash of this very service are picked
/// up the same way on the next start, since pending orders live in the database, not in memory.
///
/// A timeout is never taken for a failure: the order stays pending and is tried again after a
/// backoff with jitter. The backoff is for a dependency that is still failing: once inventory is
/// back after an outage (`InventoryAvailability`), every order whose last try began before that is
/// due at once, and the backlog is worked off oldest first as fast as inventory answers, `concurrency`
/// orders at a time.
package struct Reconciler: Service {
    /// One try of one order.
    package let retry: PendingOrderRetry
    /// When inventory last came back after an outage: orders tried before are due at once.
    package let availability: InventoryAvailability
    package let metrics: OrderMetrics
    /// Idempotency keys older than this are forgotten (their orders stay).
    package let idempotencyRetention: Duration
    /// Orders tried at once. A slot is refilled as soon as its order is done, so a slow order holds
    /// one slot rather than a whole round. Half of the gateway's bulkhead (64), leaving the rest to
    /// shoppers.
    package var concurrency = 32
    /// The longest the reconciler sleeps when nothing is due and nobody rings.
    package var idlePoll: Duration = .seconds(1)
    /// How often idempotency keys past their retention are forgotten.
    package var pruneInterval: Duration = .seconds(3600)

    package init(
        retry: PendingOrderRetry, availability: InventoryAvailability, metrics: OrderMetrics, idempotencyRetention: Duration
    ) {
        self.retry = retry
        self.availability = availability
        self.metrics = metrics
        self.idempotencyRetention = idempotencyRetention
    }

    private var repository: any OrderRepository { retry.settler.repository }
    private var pendingBell: Doorbell { retry.settler.pendingBell }
    private var logger: Logger { retry.settler.logger }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                let working = OrdersInProgress()
                var nextPrune = ContinuousClock.now
                var nextGauge = ContinuousClock.now
                while !Task.isCancelled {
                    if ContinuousClock.now >= nextPrune {
                        await pruneIdempotencyKeys()
                        nextPrune = ContinuousClock.now + pruneInterval
                    }
                    do {
                        if ContinuousClock.now >= nextGauge {
                            metrics.pendingOrders(try await repository.pendingCount())
                            nextGauge = ContinuousClock.now + .seconds(1)
                        }
                        if working.count < concurrency {
                            // The oldest due orders, some perhaps in progress already: enough to fill every slot.
                            for pending in try await dueOrders(limit: concurrency + working.count) {
                                guard working.count < concurrency else { break }
                                guard working.claim(pending.order.id) else { continue }
                                group.addTask {
                                    await work(on: pending)
                                    working.release(pending.order.id)
                                    pendingBell.ring()
                                }
                            }
                        }
                        // Woken by an order that is done (a free slot), a new pending order, inventory
                        // coming back, or the next order falling due.
                        let full = working.count >= concurrency
                        await pendingBell.wait(atMost: full ? idlePoll : try await timeUntilNextDue())
                    } catch is CancellationError {
                        return
                    } catch {
                        logger.error("reconciler round failed", metadata: ["error": "\(error)"])
                        await pendingBell.wait(atMost: idlePoll)
                    }
                }
            }
        }
    }

    /// Tries every order that is due now (up to `concurrency`) at once, and returns when all are done.
    /// Returns whether there was any.
    @discardableResult
    package func runOnce() async throws -> Bool {
        let due = try await dueOrders(limit: concurrency)
        metrics.pendingOrders(try await repository.pendingCount())
        guard !due.isEmpty else { return false }
        await withDiscardingTaskGroup { group in
            for pending in due {
                group.addTask { await work(on: pending) }
            }
        }
        return true
    }

    /// The orders to try now, oldest first: those due by their backoff, and those whose last try began
    /// before inventory's latest recovery.
    package func dueOrders(limit: Int) async throws -> [PendingOrder] {
        try await repository.duePending(
            asOf: Date(), triedBefore: availability.recoveredAt, limit: limit)
    }

    /// One try of one pending order. A try whose outcome could not be recorded (storage failing) keeps
    /// its slot for `idlePoll` before the order may be tried again, so a failing disk is not hammered.
    private func work(on pending: PendingOrder) async {
        // Each try gets a request id of its own, in its log lines and in its calls to inventory, as a
        // request from a shopper would.
        await RequestID.$current.withValue(RequestID.make()) {
            do {
                let order = try await retry.retry(pending)
                metrics.countReconcilerAttempt(settled: order.status.isTerminal)
            } catch {
                metrics.countReconcilerAttempt(settled: false)
                logger.error(
                    "could not record the try of a pending order", metadata: ["order_id": "\(pending.order.id)", "error": "\(error)"])
                try? await Task.sleep(for: idlePoll)
            }
        }
    }

    /// Forgets idempotency keys older than the retention (24 h by default); their orders stay.
    package func pruneIdempotencyKeys(now: Date = Date()) async {
        let cutoff = now.addingTimeInterval(-idempotencyRetention.seconds)
        do {
            let forgotten = try await repository.forgetIdempotencyKeys(createdBefore: cutoff)
            if forgotten > 0 { logger.info("idempotency keys forgotten", metadata: ["count": "\(forgotten)"]) }
        } catch {
            logger.error("could not forget old idempotency keys", metadata: ["error": "\(error)"])
        }
    }

    /// Until the next order falls due by its backoff (those due already are being worked on), at most
    /// `idlePoll`.
    private func timeUntilNextDue() async throws -> Duration {
        let now = Date()
        guard let next = try await repository.nextRetry(after: now) else { return idlePoll }
        return min(.milliseconds(Int(next.timeIntervalSince(now) * 1000) + 1), idlePoll)
    }
}

/// The ids of the orders the reconciler is trying right now, so a slot is never given to an order
/// that already has one.
private final class OrdersInProgress: Sendable {
    private let ids = Mutex(Set<String>())

    var count: Int { ids.withLock { $0.count } }

    /// Takes `id` on, unless it is being worked on already.
    func claim(_ id: String) -> Bool {
        ids.withLock { $0.insert(id).inserted }
    }

    func release(_ id: String) {
        _ = ids.withLock { $0.remove(id) }
    }
}
