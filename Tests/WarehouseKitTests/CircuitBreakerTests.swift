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

    func isOpen(_ breaker: CircuitBreaker) -> Bool {
        if case .open = breaker.state { return true }
        return false
    }

    // MARK: One restart is one failure

    @Test func aBurstOfConnectionFailuresCountsAsOneFailure() {
        // A crash of the dependency: every call in flight fails at once, a few more find the port closed.
        let breaker = CircuitBreaker(policy: policy)
        for index in 0..<32 { breaker.record(.connectionFailure, now: start + .milliseconds(index * 10)) }
        #expect(breaker.state == .closed)
        // The burst counted once: with three successes the window holds 4 calls, 1 failed (25%).
        for _ in 0..<3 { breaker.record(.success, now: start + .milliseconds(400)) }
        #expect(breaker.state == .closed)
        #expect(breaker.acquire(now: start + .milliseconds(400)) == .granted)
    }

    @Test func theSameFailuresAsSlowOrErrorAnswersEachCount() {
        let breaker = CircuitBreaker(policy: policy)
        for index in 0..<4 { breaker.record(.failure, now: start + .milliseconds(index * 10)) }
        #expect(isOpen(breaker), "expected open, got \(breaker.state)")
    }

    @Test func connectionFailuresThatOutlastTheBurstSpanAreAnOutageAndEachCounts() {
        var policy = self.policy
        policy.burstSpan = .seconds(1)
        let breaker = CircuitBreaker(policy: policy)
        breaker.record(.connectionFailure, now: start)
        breaker.record(.connectionFailure, now: start + .milliseconds(900))
        #expect(breaker.state == .closed)
        // Still refused a second later: down, not restarting. From now on every failure counts.
        breaker.record(.connectionFailure, now: start + .milliseconds(1000))
        breaker.record(.connectionFailure, now: start + .milliseconds(1100))
        #expect(breaker.state == .closed, "three failures so far, below the minimum of four calls")
        breaker.record(.connectionFailure, now: start + .milliseconds(1200))
        #expect(isOpen(breaker), "expected open, got \(breaker.state)")
    }

    @Test func aSuccessEndsTheBurst() {
        // Two crashes with inventory answering in between are two events.
        let breaker = CircuitBreaker(policy: policy)
        breaker.record(.connectionFailure, now: start)
        breaker.record(.success, now: start + .milliseconds(100))
        breaker.record(.connectionFailure, now: start + .milliseconds(200))
        #expect(breaker.state == .closed)
        breaker.record(.success, now: start + .milliseconds(300))
        // Four calls, two failures: the threshold (50%).
        #expect(isOpen(breaker), "expected open, got \(breaker.state)")
    }

    @Test func aProbeThatCannotConnectOpensTheCircuitAgain() {
        let breaker = CircuitBreaker(policy: policy)
        for _ in 0..<4 { breaker.record(.failure, now: start) }
        let later = start + .seconds(5)
        #expect(breaker.acquire(now: later) == .granted)
        breaker.record(.connectionFailure, now: later)
        #expect(isOpen(breaker), "expected open, got \(breaker.state)")
    }

    // MARK: Short first, longer while it keeps failing

    var growingPolicy: CircuitBreaker.Policy {
        var policy = self.policy
        policy.openDuration = .milliseconds(500)
        policy.maximumOpenDuration = .seconds(2)
        policy.probes = 1
        return policy
    }

    @Test func theOpenIntervalStartsShortAndDoublesWithEachFailedProbeUpToTheMaximum() {
        let breaker = CircuitBreaker(policy: growingPolicy)
        for _ in 0..<4 { breaker.record(.failure, now: start) }
        var opened = start
        for interval in [500, 1000, 2000, 2000] {
            let until = opened + .milliseconds(interval)
            #expect(breaker.acquire(now: until - .milliseconds(1)) != .granted, "still open \(interval) ms after opening")
            #expect(breaker.acquire(now: until) == .granted, "a probe \(interval) ms after opening")
            breaker.record(.failure, now: until)
            opened = until
        }
    }

    @Test func closingStartsTheNextOpenIntervalShortAgain() {
        let breaker = CircuitBreaker(policy: growingPolicy)
        for _ in 0..<4 { breaker.record(.failure, now: start) }
        // Two failed probes: the next open interval would be 2 s.
        var now = start + .milliseconds(500)
        #expect(breaker.acquire(now: now) == .granted)
        breaker.record(.failure, now: now)
        now = now + .seconds(1)
        #expect(breaker.acquire(now: now) == .granted)
        breaker.record(.success, now: now)
        #expect(breaker.state == .closed)

        for _ in 0..<4 { breaker.record(.failure, now: now) }
        #expect(breaker.acquire(now: now + .milliseconds(499)) != .granted)
        #expect(breaker.acquire(now: now + .milliseconds(500)) == .granted)
    }

    // MARK: Probes judged by their failure rate

    /// Ten probes, judged at the default 50%: five failures open the circuit again, six successes close it.
    var probingPolicy: CircuitBreaker.Policy {
        var policy = self.policy
        policy.probes = 10
        policy.openDuration = .milliseconds(500)
        policy.maximumOpenDuration = .seconds(5)
        return policy
    }

    /// A breaker just turned half-open at `start + 500 ms`, with `probes` calls granted.
    func halfOpen(_ policy: CircuitBreaker.Policy, probes: Int) -> (CircuitBreaker, ContinuousClock.Instant) {
        let breaker = CircuitBreaker(policy: policy)
        for _ in 0..<4 { breaker.record(.failure, now: start) }
        let now = start + .milliseconds(500)
        for _ in 0..<probes { #expect(breaker.acquire(now: now) == .granted) }
        #expect(breaker.state == .halfOpen)
        return (breaker, now)
    }

    @Test func aProbeStruckBySporadicFaultsDoesNotOpenTheCircuitAgain() {
        // A slow key and a 500 among the probes, as a fault rate of a few percent strikes them.
        let (breaker, now) = halfOpen(probingPolicy, probes: 10)
        #expect(breaker.acquire(now: now) != .granted, "ten probes at a time")
        breaker.record(.failure, now: now)
        breaker.record(.failure, now: now)
        for _ in 0..<5 { breaker.record(.success, now: now) }
        #expect(breaker.state == .halfOpen)
        breaker.record(.success, now: now)
        #expect(breaker.state == .closed, "six of ten succeeded: the failure rate can no longer reach 50%")
    }

    @Test func probesFailingAtTheThresholdOpenTheCircuitAgainForLonger() {
        let (breaker, now) = halfOpen(probingPolicy, probes: 10)
        for _ in 0..<4 { breaker.record(.failure, now: now) }
        for _ in 0..<5 { breaker.record(.success, now: now) }
        #expect(breaker.state == .halfOpen)
        breaker.record(.failure, now: now)
        #expect(isOpen(breaker), "five of ten failed: the threshold; got \(breaker.state)")
        #expect(breaker.acquire(now: now + .milliseconds(999)) != .granted, "open twice as long as the first time")
        #expect(breaker.acquire(now: now + .seconds(1)) == .granted)
    }

    @Test func aCrashThatCutsOffEveryProbeInFlightIsOneFailedProbe() {
        let (breaker, now) = halfOpen(probingPolicy, probes: 10)
        for index in 0..<10 { breaker.record(.connectionFailure, now: now + .milliseconds(index)) }
        #expect(breaker.state == .halfOpen, "one event, one failed probe")
        // The restarted dependency answers the next probes.
        for _ in 0..<6 { #expect(breaker.acquire(now: now + .milliseconds(100)) == .granted) }
        for _ in 0..<6 { breaker.record(.success, now: now + .milliseconds(100)) }
        #expect(breaker.state == .closed)
    }

    @Test func probesRefusedPastTheBurstSpanOpenTheCircuitAgain() {
        // Nothing listens any more: the refusals go on past the burst span and each counts.
        let (breaker, now) = halfOpen(probingPolicy, probes: 1)
        breaker.record(.connectionFailure, now: now)
        for index in 0..<4 {
            let later = now + probingPolicy.burstSpan + .milliseconds(index)
            #expect(breaker.acquire(now: later) == .granted)
            breaker.record(.connectionFailure, now: later)
        }
        #expect(isOpen(breaker), "expected open, got \(breaker.state)")
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
