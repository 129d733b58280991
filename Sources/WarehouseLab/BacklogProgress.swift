/// Whether a backlog is still being worked off: when it last shrank.
///
/// A backlog that shrinks slowly (a starved machine, a dependency that answers slowly) is being worked
/// off; one that has not shrunk for longer than the worker ever waits between two tries is stuck.
/// Judging it by progress rather than by a fixed time is what keeps the chaos experiment's "stuck
/// pending" a property of the design, not of the machine's speed.
package struct BacklogProgress: Sendable {
    /// The smallest size seen so far, and when it was first seen.
    package private(set) var smallest = Int.max
    package private(set) var lastShrank = ContinuousClock.now

    package init() {}

    /// Notes the backlog's size at `now`.
    package mutating func note(_ size: Int, at now: ContinuousClock.Instant = .now) {
        guard size < smallest else { return }
        smallest = size
        lastShrank = now
    }

    /// Whether it has not shrunk for `span` (never, without a span).
    package func stalled(for span: Duration?, at now: ContinuousClock.Instant = .now) -> Bool {
        guard let span else { return false }
        return now - lastShrank >= span
    }
}
