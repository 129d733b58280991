import Foundation
import Synchronization

/// A circuit breaker over a time-based window.
///
/// - closed: calls flow; outcomes are counted in a sliding window of `window` (one bucket a second).
///   Once the window holds at least `minimumCalls` and the failure rate reaches `failureRateThreshold`,
///   the circuit opens.
/// - open: calls are refused at once, for `openDuration`; then the circuit is half-open.
/// - halfOpen: up to `probes` calls are let through; if they all succeed the circuit closes (with a
///   fresh window), the first failure opens it again.
///
/// Time is passed in by the caller, so the state machine is tested without waiting.
package final class CircuitBreaker: Sendable {
    package struct Policy: Sendable, Equatable {
        package var window: Duration = .seconds(10)
        package var minimumCalls = 10
        package var failureRateThreshold = 0.5
        package var openDuration: Duration = .seconds(5)
        package var probes = 2

        package init() {}
    }

    package enum State: Sendable, Equatable {
        case closed
        case open(since: Date)
        case halfOpen
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
        var buckets: [Bucket] = []
        var probesInFlight = 0
        var probeSuccesses = 0
    }

    package let policy: Policy
    private let machine = Mutex(Machine())
    /// Told of every state change (for metrics and logs).
    private let onTransition: @Sendable (State) -> Void

    package init(policy: Policy = Policy(), onTransition: @escaping @Sendable (State) -> Void = { _ in }) {
        self.policy = policy
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
                return (.granted, .halfOpen)
            case .halfOpen:
                guard machine.probesInFlight + machine.probeSuccesses < policy.probes else {
                    return (.rejected(openSince: wallClock), nil)
                }
                machine.probesInFlight += 1
                return (.granted, nil)
            }
        }
        if let transition { onTransition(transition) }
        return permission
    }

    /// Records the outcome of a call that was granted.
    package func record(success: Bool, now: ContinuousClock.Instant = .now, wallClock: Date = Date()) {
        let transition: State? = machine.withLock { machine in
            switch machine.state {
            case .closed:
                count(success: success, now: now, in: &machine)
                guard shouldOpen(machine, now: now) else { return nil }
                return open(&machine, now: now, wallClock: wallClock)
            case .halfOpen:
                machine.probesInFlight = max(0, machine.probesInFlight - 1)
                guard success else { return open(&machine, now: now, wallClock: wallClock) }
                machine.probeSuccesses += 1
                guard machine.probeSuccesses >= policy.probes else { return nil }
                machine.state = .closed
                machine.buckets.removeAll()
                return .closed
            case .open:
                // A call granted before the circuit opened: its outcome no longer matters.
                return nil
            }
        }
        if let transition { onTransition(transition) }
    }

    private func open(_ machine: inout Machine, now: ContinuousClock.Instant, wallClock: Date) -> State {
        machine.state = .open(since: wallClock)
        machine.openUntil = now + policy.openDuration
        machine.probesInFlight = 0
        machine.probeSuccesses = 0
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

    private func shouldOpen(_ machine: Machine, now: ContinuousClock.Instant) -> Bool {
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
