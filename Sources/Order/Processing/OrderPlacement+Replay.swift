/// A request whose `Idempotency-Key` stored an order before: the same order comes back, and nothing is
/// stored again.
extension OrderPlacement {
    /// `stored` is the order the key found. The same key with another body is a client's mistake
    /// (422); an order still pending is a chance to learn its outcome sooner, inside this request's
    /// deadline.
    func replay(_ stored: StoredOrder, draft: NewOrder, until deadline: ContinuousClock.Instant) async throws -> Placement {
        guard stored.fingerprint == draft.fingerprint else { throw OrderError.idempotencyKeyReused }
        logger.info("idempotent replay", metadata: ["order_id": "\(stored.order.id)"])
        guard stored.order.status == .pending else { return Placement(order: stored.order, replayed: true) }
        return Placement(order: try await settleNow(stored.order, until: deadline), replayed: true)
    }
}
