/// Exponential backoff with full jitter: try `n` waits a random time in `[0, min(cap, base × 2ⁿ))`,
/// so clients that failed together do not retry together.
package struct Backoff: Sendable, Equatable {
    package var base: Duration
    package var cap: Duration

    package init(base: Duration, cap: Duration) {
        self.base = base
        self.cap = cap
    }

    /// The ceiling of the wait before try `attempt` (0 for the first retry).
    package func ceiling(attempt: Int) -> Duration {
        let exponent = min(max(attempt, 0), 30)
        let grown = base * (1 << exponent)
        return grown > cap ? cap : grown
    }

    /// The wait before try `attempt`, with `unit` a uniform random number in `[0, 1)`.
    package func delay(attempt: Int, unit: Double) -> Duration {
        ceiling(attempt: attempt) * min(max(unit, 0), 1)
    }

    package func delay(attempt: Int) -> Duration {
        delay(attempt: attempt, unit: Double.random(in: 0..<1))
    }
}
