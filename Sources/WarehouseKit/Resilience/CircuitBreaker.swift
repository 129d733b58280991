import Foundation
import Synchronization

/// A circuit breaker over a time-based window.
///
/// - closed: calls flow; outcomes are counted in a sliding window of `window` (one bucket a second).
///   Once the window holds at least `minimumCalls` and the failure rate reaches `failureRateThreshold`,
///   the circuit opens.
/// - open: calls are refused at once; then the circuit is half-open. The first time it opens it stays
///   open for `openDuration`; each failed probe doubles that, up to `maximumOpenDuration`, so a
///   dependency that is back after a blip is probed soon and one that stays down is left alone longer.
/// - halfOpen: up to `probes` calls are let through, and judged by the same failure rate: the circuit
///   opens again as soon as so many have failed that their rate reaches `failureRateThreshold`, and
///   closes (with a fresh window and the first open interval again) as soon as so many have succeeded
///   that it no longer can. One probe struck by a sporadic fault (a slow key, one 500) does not keep a
///   dependency that answers the others shut out; a dependency still down fails them all.
///
/// Connection failures (refused, reset, closed before an answer) are what a restart of the dependency
/// looks like: every call in flight fails at the same instant, and a few more find the port closed
/// until the new process listens. So those within `burstSpan` of the first one count as one failure,
/// and a success ends the burst. Failures that go on past `burstSpan` are an outage, not a blip, and
/// each one counts again. Slow calls and error answers always count one each. The same holds for
/// probes: a crash that cuts off every probe in flight is one failed probe.
///
/// Time is passed in by the caller, so the state machine is tested without waiting.
package final class CircuitBreaker: Sendable {
    package struct Policy: Sendable, Equatable {
        package var window: Duration = .seconds(10)
        package var minimumCalls = 10
        package var failureRateThreshold = 0.5
        /// How long the circuit stays open the first time it opens.
        package var openDuration: Duration = .milliseconds(500)
        /// The longest it stays open, however often its probes fail (never less than `openDuration`).
        package var maximumOpenDuration: Duration = .seconds(5)
        /// Calls let through while half-open, which decide between closing and opening again.
        package var probes = 10
        /// Connection failures within this span of the first one count as one failure.
        package var burstSpan: Duration = .seconds(1)

        package init() {}
    }

    package enum State: Sendable, Equatable {
        case closed
        case open(since: Date)
        case halfOpen
    }

    /// What a call that was granted came to.
    package enum Outcome: Sendable, Equatable {
        /// A definite answer.
        case success
        /// No definite answer: too slow, or an error answer.
        case failure
        /// No connection: refused, reset, or closed before an answer came.
        case connectionFailure
    }

    /// Whether a call may go ahead; `rejected` carries when the circuit will let a probe through.
    package enum Permission: Sendable, Equatable {
        case granted
        case rejected(openSince: Date)
    }

    private struct Bucket {
        var second: Int64
        var successes = 0
        var failures = 0
    }

    private struct Machine {
        var state: State = .closed
        /// When the open circuit turns half-open, on the monotonic clock.
        var openUntil: ContinuousClock.Instant?
        /// How long the circuit stays open the next time it opens from half-open.
        var nextOpenDuration: Duration
        var buckets: [Bucket] = []
        var probesInFlight = 0
        var probeSuccesses = 0
        var probeFailures = 0
        /// The first connection failure of the burst going on, if one is.
        var burstStarted: ContinuousClock.Instant?
    }

    package let policy: Policy
    private let machine: Mutex<Machine>
    /// Told of every state change (for metrics and logs).
    private let onTransition: @Sendable (State) -> Void

    package init(policy: Policy = Policy(), onTransition: @escaping @Sendable (State) -> Void = { _ in }) {
        self.policy = policy
        self.machine = Mutex(Machine(nextOpenDuration: policy.openDuration))
        self.onTransition = onTransition
    }

    package var state: State {
        machine.withLock { $0.state }
    }

    package func acquire(now: ContinuousClock.Instant = .now, wallClock: Date = Date()) -> Permission {
        let (permission, transition) = machine.withLock { machine -> (Permission, State?) in
            switch machine.state {
            case .closed:
                return (.granted, nil)
            case .open(let since):
                guard let until = machine.openUntil, now >= until else { return (.rejected(openSince: since), nil) }
                machine.state = .halfOpen
                machine.probesInFlight = 1
                machine.probeSuccesses = 0
                machine.probeFailures = 0
                machine.burstStarted = nil
                return (.granted, .halfOpen)
            case .halfOpen:
                guard machine.probesInFlight + machine.probeSuccesses + machine.probeFailures < policy.probes else {
                    return (.rejected(openSince: wallClock), nil)
                }
                machine.probesInFlight += 1
                return (.granted, nil)
            }
        }
        if let transition { onTransition(transition) }
        return permission
    }

    /// Records whether a call that was granted got a definite answer.
    package func record(success: Bool, now: ContinuousClock.Instant = .now, wallClock: Date = Date()) {
        record(success ? .success : .failure, now: now, wallClock: wallClock)
    }

    /// Records the outcome of a call that was granted.
    package func record(_ outcome: Outcome, now: ContinuousClock.Instant = .now, wallClock: Date = Date()) {
        let transition: State? = machine.withLock { machine in
            switch machine.state {
            case .closed:
                guard counts(outcome, now: now, in: &machine) else { return nil }
                count(success: outcome == .success, now: now, in: &machine)
                guard shouldOpen(machine) else { return nil }
                machine.nextOpenDuration = policy.openDuration
                return open(&machine, now: now, wallClock: wallClock)
            case .halfOpen:
                machine.probesInFlight = max(0, machine.probesInFlight - 1)
                guard counts(outcome, now: now, in: &machine) else { return nil }
                if outcome == .success {
                    machine.probeSuccesses += 1
                } else {
                    machine.probeFailures += 1
                }
                if machine.probeFailures >= probeFailuresToOpen {
                    // Still failing: leave it alone longer this time.
                    let longest = max(policy.openDuration, policy.maximumOpenDuration)
                    machine.nextOpenDuration = min(machine.nextOpenDuration * 2, longest)
                    return open(&machine, now: now, wallClock: wallClock)
                }
                guard machine.probeSuccesses > policy.probes - probeFailuresToOpen else { return nil }
                machine.state = .closed
                machine.buckets.removeAll()
                machine.burstStarted = nil
                machine.nextOpenDuration = policy.openDuration
                return .closed
            case .open:
                // A call granted before the circuit opened: its outcome no longer matters.
                return nil
            }
        }
        if let transition { onTransition(transition) }
    }

    /// Failed probes that bring their rate to the threshold (at least one).
    private var probeFailuresToOpen: Int {
        max(1, Int((Double(policy.probes) * policy.failureRateThreshold).rounded(.up)))
    }

    /// Whether `outcome` enters the window (or the probes' count): a connection failure inside a burst
    /// that began less than `burstSpan` ago is part of an event already counted.
    private func counts(_ outcome: Outcome, now: ContinuousClock.Instant, in machine: inout Machine) -> Bool {
        switch outcome {
        case .success:
            machine.burstStarted = nil
            return true
        case .failure:
            return true
        case .connectionFailure:
            guard let started = machine.burstStarted else {
                machine.burstStarted = now
                return true
            }
            return now - started >= policy.burstSpan
        }
    }

    private func open(_ machine: inout Machine, now: ContinuousClock.Instant, wallClock: Date) -> State {
        machine.state = .open(since: wallClock)
        machine.openUntil = now + machine.nextOpenDuration
        machine.probesInFlight = 0
        machine.probeSuccesses = 0
        machine.probeFailures = 0
        return machine.state
    }

    private func count(success: Bool, now: ContinuousClock.Instant, in machine: inout Machine) {
        let second = Self.second(of: now)
        let oldest = second - Int64(policy.window.components.seconds) + 1
        machine.buckets.removeAll { $0.second < oldest }
        if machine.buckets.last?.second != second { machine.buckets.append(Bucket(second: second)) }
        if success {
            machine.buckets[machine.buckets.count - 1].successes += 1
        } else {
            machine.buckets[machine.buckets.count - 1].failures += 1
        }
    }

    private func shouldOpen(_ machine: Machine) -> Bool {
        let failures = machine.buckets.reduce(0) { $0 + $1.failures }
        let calls = machine.buckets.reduce(0) { $0 + $1.successes + $1.failures }
        return calls >= policy.minimumCalls && Double(failures) / Double(calls) >= policy.failureRateThreshold
    }

    private static func second(of instant: ContinuousClock.Instant) -> Int64 {
        let elapsed = instant - ContinuousClock.Instant.zeroReference
        return elapsed.components.seconds
    }
}

extension ContinuousClock.Instant {
    /// A fixed point to measure instants from (the clock's own epoch is not exposed).
    fileprivate static let zeroReference = ContinuousClock.now
}
