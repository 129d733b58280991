import Foundation

/// When the reconciler stops trying an order on its own: once it has been pending for `after`
/// (`--attention-after-s`, an hour by default), a try without a definite answer marks it as needing
/// attention instead of scheduling the next one.
///
/// Why stop rather than slow down: an order inventory could not answer for an hour of tries (every
/// 10 s at most) is failing for a reason more tries do not mend (inventory disputes its record, or
/// keeps failing on this key); tried forever, such orders would fill the reconciler's slots and logs
/// and hide among the healthy backlog. Stopping also bounds when the order service can send the key
/// again, which is what lets inventory forget old deduction keys safely (docs/SECURITY.md). The order
/// stays pending, is counted by `orders_needing_attention` and shown in the console; a person retries
/// it (`POST /admin/orders/{id}/retry`, or a replay of its `Idempotency-Key`), or settles the matter
/// with inventory's record in hand.
package struct AttentionPolicy: Sendable, Equatable {
    package static let defaultAfter: Duration = .seconds(3600)

    package var after: Duration

    package init(after: Duration = AttentionPolicy.defaultAfter) {
        self.after = after
    }

    /// Whether a try of `order` at `now` that gives no answer marks it as needing attention.
    package func isDue(_ order: Order, at now: Date) -> Bool {
        now.timeIntervalSince(order.createdAt) >= Double(after.components.seconds) + Double(after.components.attoseconds) / 1e18
    }
}
