import Foundation
import Logging
import Prometheus
import Synchronization
import WarehouseKit

/// The order flow: validate (done before), store pending, ask inventory within the deadline, record
/// the definite answer or leave the order pending for the reconciler.
package struct OrderProcessor: Sendable {
    package let repository: any OrderRepository
    /// Inventory as the request path calls it: tries short enough to answer inside the deadline.
    package let inventory: any InventoryGateway
    /// Inventory as the reconciler calls it: one try may take as long as `policy.retryTimeout`.
    package let patientInventory: any InventoryGateway
    package let policy: OrderPolicy
    package let logger: Logger
    /// Rung when an order is left pending or inventory comes back after an outage, so the reconciler
    /// looks at once instead of at its next poll.
    package let pendingBell: Doorbell
    /// When inventory last came back after an outage, as the calls above saw it.
    package let availability: InventoryAvailability
    package let metrics: OrderMetrics
    private let keysInFlight = KeysInFlight()

    /// - Parameter availability: what the gateways report outages and recoveries to; by default one
    ///   that rings `pendingBell` at each recovery.
    package init(
        repository: any OrderRepository,
        inventory: any InventoryGateway,
        patientInventory: (any InventoryGateway)? = nil,
        policy: OrderPolicy,
        logger: Logger,
        metrics: OrderMetrics = OrderMetrics(registry: PrometheusCollectorRegistry()),
        pendingBell: Doorbell = Doorbell(),
        availability: InventoryAvailability? = nil
    ) {
        self.repository = repository
        self.inventory = inventory
        self.patientInventory = patientInventory ?? inventory
        self.policy = policy
        self.logger = logger
        self.metrics = metrics
        self.pendingBell = pendingBell
        self.availability = availability ?? InventoryAvailability(onRecovery: { [pendingBell] in pendingBell.ring() })
    }

    /// The answer to `POST /orders`.
    package struct Placement: Sendable, Equatable {
        package var order: Order
        /// True when an earlier request with the same `Idempotency-Key` created the order.
        package var replayed: Bool
        /// The order's position among all stored orders, when this request stored it.
        package var ordinal: Int64?

        package init(order: Order, replayed: Bool, ordinal: Int64? = nil) {
            self.order = order
            self.replayed = replayed
            self.ordinal = ordinal
        }
    }

    /// Places an order and returns by the deadline with its state at that moment.
    package func place(_ draft: NewOrder, idempotencyKey: String?) async throws -> Placement {
        let deadline = ContinuousClock.now + policy.inventoryBudget
        let placement =
            if policy.naive {
                try await placeNaively(draft, until: deadline)
            } else {
                try await place(draft, idempotencyKey: idempotencyKey, until: deadline)
            }
        if !placement.replayed { metrics.countFirstAnswer(placement.order.status) }
        return placement
    }

    private func place(_ draft: NewOrder, idempotencyKey: String?, until deadline: ContinuousClock.Instant) async throws
        -> Placement
    {
        guard let idempotencyKey else {
            return try await createAndSettle(draft, idempotencyKey: nil, until: deadline)
        }
        guard keysInFlight.claim(idempotencyKey) else { throw OrderError.idempotencyKeyInFlight }
        defer { keysInFlight.release(idempotencyKey) }
        // No separate look-up: the insert finds an order already stored under the key in the same
        // transaction, and `createAndSettle` replays it.
        return try await createAndSettle(draft, idempotencyKey: idempotencyKey, until: deadline)
    }

    private func createAndSettle(
        _ draft: NewOrder,
        idempotencyKey: String?,
        until deadline: ContinuousClock.Instant
    ) async throws -> Placement {
        let now = Date()
        var order = Order.pending(draft, at: now, id: OrderID.make(idempotencyKey: idempotencyKey))
        // The reconciler leaves the order alone until this request has had its chance.
        let retryAt = now.addingTimeInterval(policy.deadline.seconds)
        let stored: StoredOrder
        do {
            stored = try await repository.insert(
                order, idempotencyKey: idempotencyKey, fingerprint: draft.fingerprint, retryAt: retryAt)
        } catch OrderStoreError.idTaken {
            // The key was used before and forgotten after its retention: its derived id is taken.
            order.id = OrderID.random()
            stored = try await repository.insert(
                order, idempotencyKey: idempotencyKey, fingerprint: draft.fingerprint, retryAt: retryAt)
        }
        guard stored.inserted else {
            // The key is taken: by an earlier request, or by another replica a moment ago.
            return try await replay(stored, draft: draft, until: deadline)
        }
        logger.info("order stored", metadata: ["order_id": "\(order.id)"])
        return Placement(order: await settle(order, attempt: 0, until: deadline), replayed: false, ordinal: stored.ordinal)
    }

    /// The design this service replaces, kept only to measure the difference (`--naive`): idempotency
    /// keys ignored, one try, and no definite answer taken for a failure (the order is rejected and the
    /// client told so, although inventory may have deducted the stock). Nothing reconciles it later.
    private func placeNaively(_ draft: NewOrder, until deadline: ContinuousClock.Instant) async throws -> Placement {
        let order = Order.pending(draft, at: Date())
        let stored = try await repository.insert(order, idempotencyKey: nil, fingerprint: nil, retryAt: .distantFuture)
        let inventory = self.inventory
        let settlement: Settlement
        do {
            let answer = try await withDeadline(deadline) {
                try await inventory.deduct(key: order.id, lines: order.items, until: deadline)
            }
            settlement = answer == .applied ? .shipped : .rejected(reason: Self.reason(of: answer))
        } catch {
            _ = try await repository.settle(order, .rejected(reason: "Inventory failed: \(error)"), at: Date())
            throw OrderError.inventoryFailed(id: order.id)
        }
        let settled = try await repository.settle(order, settlement, at: Date()) ?? order
        return Placement(order: settled, replayed: false, ordinal: stored.ordinal)
    }

    private static func reason(of answer: InventoryAnswer) -> String {
        if case .rejected(let reason) = answer { return reason }
        return ""
    }

    private func replay(_ stored: StoredOrder, draft: NewOrder, until deadline: ContinuousClock.Instant) async throws -> Placement
    {
        guard stored.fingerprint == draft.fingerprint else { throw OrderError.idempotencyKeyReused }
        logger.info("idempotent replay", metadata: ["order_id": "\(stored.order.id)"])
        guard stored.order.status == .pending else { return Placement(order: stored.order, replayed: true) }
        // Still pending: this retry is a chance to learn the outcome sooner.
        return Placement(order: await settle(stored.order, attempt: 0, until: deadline), replayed: true)
    }

    /// Asks inventory about `order` until `deadline`. Records a definite answer; otherwise leaves the
    /// order pending with a message that says why, due for another try after a backoff.
    ///
    /// With `lookUpFirst` (the reconciler's way), inventory's record of the key is read before the
    /// deduction is replayed: an earlier try that committed but whose answer was lost settles the order
    /// without another deduction call. The reconciler's tries are also the patient ones, and return once
    /// a try without an answer is recorded (the order must not look due again before). A shopper's
    /// request returns without waiting for that record: the order is stored pending already, and a write
    /// queued behind a busy group commit must not push the answer past the deadline. The pending bell
    /// rings once the record is written.
    ///
    /// - Returns: the order as it now stands.
    package func settle(
        _ order: Order,
        attempt: Int,
        until deadline: ContinuousClock.Instant,
        lookUpFirst: Bool = false
    ) async -> Order {
        let inventory = lookUpFirst ? patientInventory : self.inventory
        let triedAt = Date()
        let cause: InventoryUnavailability
        do {
            let answer = try await withDeadline(deadline) {
                if lookUpFirst, let recorded = try await inventory.recordedOutcome(key: order.id, until: deadline) {
                    return recorded
                }
                return try await inventory.deduct(key: order.id, lines: order.items, until: deadline)
            }
            let settlement: Settlement =
                switch answer {
                case .applied: .shipped
                case .rejected(let reason): .rejected(reason: reason)
                }
            do {
                if let settled = try await repository.settle(order, settlement, at: Date()) {
                    logger.info("order settled", metadata: ["order_id": "\(order.id)", "status": "\(settled.status.rawValue)"])
                    return settled
                }
            } catch {
                // Inventory's record stands; the reconciler will replay the key and record it here.
                logger.error("could not record settlement", metadata: ["order_id": "\(order.id)", "error": "\(error)"])
            }
            cause = .unavailable
        } catch let error as InventoryCallError {
            cause = error.unavailability
            logger.warning("inventory gave no answer", metadata: ["order_id": "\(order.id)", "error": "\(error)"])
        } catch is DeadlineExceeded {
            cause = .slow
            logger.warning("inventory did not answer in time", metadata: ["order_id": "\(order.id)"])
        } catch {
            cause = .unavailable
            logger.warning("inventory call failed", metadata: ["order_id": "\(order.id)", "error": "\(error)"])
        }
        var pending = order
        pending.message = OrderMessage.delayed(orderId: order.id, because: cause)
        let retryAt = Date().addingTimeInterval(policy.retryBackoff.delay(attempt: attempt).seconds)
        let record = { @Sendable [repository, logger, pendingBell, message = pending.message] in
            do {
                try await repository.postpone(id: order.id, message: message, triedAt: triedAt, retryAt: retryAt)
            } catch {
                logger.error("could not postpone order", metadata: ["order_id": "\(order.id)", "error": "\(error)"])
            }
            pendingBell.ring()
        }
        if lookUpFirst {
            await record()
        } else {
            Task { await record() }
        }
        return pending
    }
}

/// The `Idempotency-Key`s whose first request is being answered right now, in this process.
private final class KeysInFlight: Sendable {
    private let keys = Mutex(Set<String>())

    func claim(_ key: String) -> Bool {
        keys.withLock { $0.insert(key).inserted }
    }

    func release(_ key: String) {
        _ = keys.withLock { $0.remove(key) }
    }
}
