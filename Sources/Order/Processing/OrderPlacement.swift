import Foundation
import Logging
import Synchronization
import WarehouseKit

/// Places orders: what `POST /orders` does once its input is valid.
package protocol OrderPlacing: Sendable {
    /// Places the order `draft` describes and returns by the deadline with its state at that moment.
    func place(_ draft: NewOrder, idempotencyKey: String?) async throws -> Placement
}

/// The answer to `POST /orders`.
package struct Placement: Sendable, Equatable {
    package var order: Order
    /// True when an earlier request with the same `Idempotency-Key` created the order.
    package var replayed: Bool
    /// The order's place among all stored orders, when this request stored it.
    package var ordinal: Int64?

    package init(order: Order, replayed: Bool, ordinal: Int64? = nil) {
        self.order = order
        self.replayed = replayed
        self.ordinal = ordinal
    }
}

/// The request path of an order, from a valid request to its answer inside the deadline.
///
/// Where it starts: `RequestBodyMiddleware` has checked the body against `OrderBodySchemas` (every bad
/// field in one 422) before the generated handler decoded it, and `OrderAPIHandler` has checked the
/// `Idempotency-Key`. Then:
///
/// 1. The key is claimed in this process (a second request with it while the first is answered: 409).
/// 2. The order is stored `pending` in one transaction, before anything downstream is called; a key
///    stored already replays its order instead (`replay`).
/// 3. Inventory is asked to deduct its lines, with the order id as the idempotency key, until the
///    deadline less a reserve for the answer (`OrderPolicy.inventoryBudget`).
/// 4. A definite answer settles the order; none leaves it pending for the reconciler.
package struct OrderPlacement: OrderPlacing {
    package let settler: OrderSettler
    /// Inventory with tries short enough to answer inside the deadline.
    package let inventory: any InventoryGateway
    package let policy: OrderPolicy
    package let metrics: OrderMetrics
    /// The install's secret an order's id is derived from its `Idempotency-Key` under.
    package let orderIDKey: OrderIDKey
    private let keysInFlight = KeysInFlight()

    package init(
        settler: OrderSettler, inventory: any InventoryGateway, policy: OrderPolicy, metrics: OrderMetrics, orderIDKey: OrderIDKey
    ) {
        self.settler = settler
        self.inventory = inventory
        self.policy = policy
        self.metrics = metrics
        self.orderIDKey = orderIDKey
    }

    package var repository: any OrderRepository { settler.repository }
    package var logger: Logger { settler.logger }

    package func place(_ draft: NewOrder, idempotencyKey: String?) async throws -> Placement {
        let deadline = ContinuousClock.now + policy.inventoryBudget
        let placement: Placement
        if let idempotencyKey {
            guard keysInFlight.claim(idempotencyKey) else { throw OrderError.idempotencyKeyInFlight }
            defer { keysInFlight.release(idempotencyKey) }
            placement = try await storeAndSettle(draft, idempotencyKey: idempotencyKey, until: deadline)
        } else {
            placement = try await storeAndSettle(draft, idempotencyKey: nil, until: deadline)
        }
        if !placement.replayed { metrics.countFirstAnswer(placement.order.status) }
        return placement
    }

    /// Stores the order pending, or finds the order its key stored before (in the same transaction: no
    /// separate look-up), and settles it as far as inventory answers before `deadline`.
    ///
    /// The write is held to the deadline too. On a machine whose disk is shared with busier neighbours a
    /// commit can take seconds (a whole-suite run saw order inserts of up to 1.9 s on two cores), and the
    /// deadline is a promise to the shopper: without a confirmed write there is no order to acknowledge,
    /// so the answer is a 503 that says the order may yet be saved, and the write goes on. Once it
    /// commits, the order is pending like any other and the reconciler settles it; the shopper's retry
    /// with the same key finds it.
    ///
    /// - Throws: `OrderError.notStoredInTime` when the write is not confirmed by the deadline.
    private func storeAndSettle(_ draft: NewOrder, idempotencyKey: String?, until deadline: ContinuousClock.Instant)
        async throws -> Placement
    {
        let now = Date()
        let order = Order.pending(draft, at: now, id: OrderID.make(idempotencyKey: idempotencyKey, key: orderIDKey))
        // The reconciler leaves the order alone until this request has had its chance.
        let retryAt = now.addingTimeInterval(policy.deadline.seconds)
        let storing = Task { [repository] in
            try await Self.insert(order, idempotencyKey: idempotencyKey, fingerprint: draft.fingerprint, retryAt: retryAt, into: repository)
        }
        let stored: StoredOrder
        do {
            let storedBy = policy.storageWait.map { ContinuousClock.now + $0 } ?? deadline + policy.answerReserve / 2
            stored = try await withDeadline(storedBy) { try await storing.value }
        } catch is DeadlineExceeded {
            logger.warning("order not confirmed by the deadline; the write goes on", metadata: ["order_id": "\(order.id)"])
            throw OrderError.notStoredInTime
        }
        guard stored.inserted else {
            // The key is taken: by an earlier request, or by another replica a moment ago.
            return try await replay(stored, draft: draft, until: deadline)
        }
        logger.info("order stored", metadata: ["order_id": "\(stored.order.id)"])
        return Placement(order: try await settleNow(stored.order, until: deadline), replayed: false, ordinal: stored.ordinal)
    }

    /// Inserts `order`, under a fresh id when its key's derived one is taken (the key was used before
    /// and forgotten after its retention).
    private static func insert(
        _ order: Order, idempotencyKey: String?, fingerprint: String?, retryAt: Date, into repository: any OrderRepository
    ) async throws -> StoredOrder {
        do {
            return try await repository.insert(order, idempotencyKey: idempotencyKey, fingerprint: fingerprint, retryAt: retryAt)
        } catch OrderStoreError.idTaken {
            var order = order
            order.id = OrderID.random()
            return try await repository.insert(order, idempotencyKey: idempotencyKey, fingerprint: fingerprint, retryAt: retryAt)
        }
    }

    /// Asks inventory to deduct the order's lines until `deadline`, and records its answer.
    ///
    /// Without an answer the order is returned pending at once, and the try is recorded in the
    /// background: the order is stored pending already (due one deadline after it was stored), and a
    /// write queued behind a busy group commit must not push the answer past the deadline. The same
    /// holds for a definite answer (`record(_:of:answeringBy:)`).
    ///
    /// - Throws: what storage throws when it records an answer in time.
    func settleNow(_ order: Order, until deadline: ContinuousClock.Instant) async throws -> Order {
        let triedAt = Date()
        let answer: InventoryAnswer
        do {
            answer = try await withDeadline(deadline) { [inventory] in
                try await inventory.deduct(key: order.id, lines: order.items, until: deadline)
            }
        } catch {
            let pending = settler.leftPending(order, because: settler.unavailability(after: error, of: order))
            Task { [settler, logger] in
                do {
                    try await settler.postpone(pending, attempt: 0, triedAt: triedAt)
                } catch {
                    // The order stays due when it was stored to be; the reconciler tries it then.
                    logger.error("could not record the try", metadata: ["order_id": "\(order.id)", "error": "\(error)"])
                }
            }
            return pending
        }
        return try await record(answer, of: order, answeringBy: deadline + policy.answerReserve / 2)
    }

    /// Records inventory's definite answer, and returns the order it settles by `answerBy` even when
    /// the write is not done by then (half the answer's reserve is left to write the answer).
    ///
    /// On a starved machine a write queued behind a group commit can take longer than the reserve, and
    /// the deadline is a promise to the shopper, so the answer does not wait for it: inventory's record
    /// of the key is the final word, and the write goes on. Should it fail, the order stays pending and
    /// the reconciler reads inventory's record and writes the same settlement (storage that fails in
    /// time still fails the request, as `StorageFailureTests` require).
    private func record(_ answer: InventoryAnswer, of order: Order, answeringBy answerBy: ContinuousClock.Instant)
        async throws -> Order
    {
        let recording = Task { [settler] in try await settler.settle(order, with: answer) }
        do {
            return try await withDeadline(answerBy) { try await recording.value }
        } catch is DeadlineExceeded {
            logger.warning("answered before the settlement was written", metadata: ["order_id": "\(order.id)"])
            Task { [logger] in
                if case .failure(let error) = await recording.result {
                    logger.error("could not record settlement", metadata: ["order_id": "\(order.id)", "error": "\(error)"])
                }
            }
            return order.settled(Settlement(answer), at: Date())
        }
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
