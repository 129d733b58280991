import Foundation
import Synchronization

/// What the order service has learnt of inventory's availability from its own calls: whether it is
/// in an outage, and when it last came back from one.
///
/// An outage begins with a connection failure (inventory crashed or is restarting) or when the
/// circuit opens (it kept failing or timing out); it ends with the next definite answer. Until its
/// first answer the service knows nothing of inventory, which counts as an outage too: the first
/// answer after a start is a recovery, so orders left pending before a restart are worked off at once.
///
/// A recovery is the reconciler's cue: an order that failed before it failed because inventory was
/// down, not because of anything about the order, so its backoff no longer applies (see `Reconciler`).
package final class InventoryAvailability: Sendable {
    private struct State {
        var down = true
        var recoveredAt: Date?
    }

    private let state = Mutex(State())
    /// Told of every recovery (the reconciler's doorbell).
    private let onRecovery: @Sendable () -> Void

    package init(onRecovery: @escaping @Sendable () -> Void = {}) {
        self.onRecovery = onRecovery
    }

    /// When inventory last answered after an outage; nil until it first answered.
    package var recoveredAt: Date? {
        state.withLock { $0.recoveredAt }
    }

    /// Inventory cannot be reached, or the circuit opened.
    package func noteOutage() {
        state.withLock { $0.down = true }
    }

    /// Inventory gave a definite answer; if it was down, it is back as of `now`.
    package func noteAnswer(at now: Date = Date()) {
        let recovered = state.withLock { state in
            guard state.down else { return false }
            state.down = false
            state.recoveredAt = now
            return true
        }
        if recovered { onRecovery() }
    }
}
