import Foundation
import Testing
import WarehouseKit

/// The breaker's state machine, driven by explicit instants: no waiting, no flakiness.
struct CircuitBreakerTests {
    var policy: CircuitBreaker.Policy {
        var policy = CircuitBreaker.Policy()
        policy.window = .seconds(10)
        policy.minimumCalls = 4
        policy.failureRateThreshold = 0.5
        policy.openDuration = .seconds(5)
        policy.probes = 2
        return policy
    }

    let start = ContinuousClock.now

    @Test func staysClosedBelowTheMinimumNumberOfCalls() {
        let breaker = CircuitBreaker(policy: policy)
        for _ in 0..<3 { breaker.record(success: false, now: start) }
        #expect(breaker.state == .closed)
        #expect(breaker.acquire(now: start) == .granted)
    }

    @Test func opensWhenTheFailureRateReachesTheThreshold() {
        let breaker = CircuitBreaker(policy: policy)
        breaker.record(success: true, now: start)
        breaker.record(success: true, now: start)
        breaker.record(success: false, now: start)
        #expect(breaker.state == .closed)
        breaker.record(success: false, now: start)
        guard case .open = breaker.state else {
            Issue.record("expected open, got \(breaker.state)")
            return
        }
        guard case .rejected = breaker.acquire(now: start + .seconds(1)) else {
            Issue.record("an open breaker must refuse calls")
            return
        }
    }

    @Test func failuresOlderThanTheWindowNoLongerCount() {
        let breaker = CircuitBreaker(policy: policy)
        for _ in 0..<3 { breaker.record(success: false, now: start) }
        // Eleven seconds later the old failures have left the 10 s window.
        breaker.record(success: false, now: start + .seconds(11))
        #expect(breaker.state == .closed)
    }

    @Test func halfOpensAfterTheOpenDurationAndClosesWhenEveryProbeSucceeds() {
        let breaker = CircuitBreaker(policy: policy)
        for _ in 0..<4 { breaker.record(success: false, now: start) }
        #expect(breaker.acquire(now: start + .seconds(4)) != .granted)

        let later = start + .seconds(5)
        #expect(breaker.acquire(now: later) == .granted)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.acquire(now: later) == .granted)
        // Only `probes` calls at a time while half-open.
        #expect(breaker.acquire(now: later) != .granted)

        breaker.record(success: true, now: later)
        #expect(breaker.state == .halfOpen)
        breaker.record(success: true, now: later)
        #expect(breaker.state == .closed)
        #expect(breaker.acquire(now: later) == .granted)
    }

    @Test func aFailedProbeOpensTheCircuitAgain() {
        let breaker = CircuitBreaker(policy: policy)
        for _ in 0..<4 { breaker.record(success: false, now: start) }
        let later = start + .seconds(6)
        #expect(breaker.acquire(now: later) == .granted)
        breaker.record(success: false, now: later)
        guard case .open = breaker.state else {
            Issue.record("expected open, got \(breaker.state)")
            return
        }
        #expect(breaker.acquire(now: later + .seconds(1)) != .granted)
        #expect(breaker.acquire(now: later + .seconds(5)) == .granted)
    }

    @Test func reportsEveryTransition() {
        let seen = Transitions()
        let breaker = CircuitBreaker(policy: policy) { seen.append($0) }
        for _ in 0..<4 { breaker.record(success: false, now: start) }
        _ = breaker.acquire(now: start + .seconds(5))
        _ = breaker.acquire(now: start + .seconds(5))
        breaker.record(success: true, now: start + .seconds(5))
        breaker.record(success: true, now: start + .seconds(5))
        #expect(seen.names == ["open", "halfOpen", "closed"])
    }
}

private final class Transitions: @unchecked Sendable {
    private var states: [CircuitBreaker.State] = []
    private let lock = NSLock()

    func append(_ state: CircuitBreaker.State) {
        lock.withLock { states.append(state) }
    }

    var names: [String] {
        lock.withLock {
            states.map {
                switch $0 {
                case .closed: "closed"
                case .halfOpen: "halfOpen"
                case .open: "open"
                }
            }
        }
    }
}
