import Testing
import WarehouseKit

@Suite("Backoff")
struct BackoffTests {
    let backoff = Backoff(base: .milliseconds(250), cap: .seconds(10))

    @Test("the ceiling doubles with each attempt")
    func ceilingGrowsExponentially() {
        #expect(backoff.ceiling(attempt: 0) == .milliseconds(250))
        #expect(backoff.ceiling(attempt: 1) == .milliseconds(500))
        #expect(backoff.ceiling(attempt: 2) == .seconds(1))
        #expect(backoff.ceiling(attempt: 3) == .seconds(2))
        #expect(backoff.ceiling(attempt: 5) == .seconds(8))
    }

    @Test("the ceiling is capped, even for huge attempts")
    func ceilingIsCapped() {
        #expect(backoff.ceiling(attempt: 6) == .seconds(10))
        #expect(backoff.ceiling(attempt: 30) == .seconds(10))
        #expect(backoff.ceiling(attempt: 31) == .seconds(10))
        #expect(backoff.ceiling(attempt: .max) == .seconds(10))
    }

    @Test("a negative attempt counts as the first")
    func negativeAttempt() {
        #expect(backoff.ceiling(attempt: -5) == .milliseconds(250))
    }

    @Test("the ceiling never decreases")
    func ceilingIsMonotonic() {
        let ceilings = (0...40).map { backoff.ceiling(attempt: $0) }
        #expect(zip(ceilings, ceilings.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test("delay(attempt:unit:) scales the ceiling by unit, clamped to [0, ceiling]")
    func delayWithUnit() {
        #expect(backoff.delay(attempt: 2, unit: 0) == .zero)
        #expect(backoff.delay(attempt: 2, unit: 0.5) == .milliseconds(500))
        #expect(backoff.delay(attempt: 2, unit: 1) == .seconds(1))
        #expect(backoff.delay(attempt: 2, unit: 7) == .seconds(1))
        #expect(backoff.delay(attempt: 2, unit: -1) == .zero)
        for attempt in 0...12 {
            for unit in stride(from: 0.0, to: 1.0, by: 0.05) {
                let delay = backoff.delay(attempt: attempt, unit: unit)
                #expect(delay >= .zero && delay <= backoff.ceiling(attempt: attempt))
            }
        }
    }

    @Test("the random delay stays within [0, ceiling]")
    func randomDelay() {
        for attempt in 0...12 {
            for _ in 0..<50 {
                let delay = backoff.delay(attempt: attempt)
                #expect(delay >= .zero && delay <= backoff.ceiling(attempt: attempt))
            }
        }
    }
}
