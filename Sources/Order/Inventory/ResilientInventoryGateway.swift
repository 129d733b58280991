import Foundation
import Logging
import Prometheus
import WarehouseKit

/// Settings of the inventory client's resilience. Every value is configurable (`warehouse serve order --help`).
package struct InventoryCallPolicy: Sendable {
    /// The longest one try may take; a call gets several tries when its deadline allows.
    package var attemptTimeout: Duration = .seconds(1)
    /// Waits between tries inside one call.
    package var retryBackoff = Backoff(base: .milliseconds(50), cap: .milliseconds(500))
    /// A try is only started with at least this much time left.
    package var minimumAttempt: Duration = .milliseconds(50)
    /// The most inventory calls in flight at once.
    package var concurrencyLimit = 64
    package var breaker = CircuitBreaker.Policy()

    package init() {}
}

/// Wraps a gateway in what keeps the order service smooth while inventory is not: a bulkhead (a bound
/// on calls in flight), a circuit breaker (fail fast while inventory keeps failing), a timeout per
/// try, and retries with exponential backoff and full jitter inside the caller's deadline. Retrying
/// is safe only because the deduction is idempotent by key.
package struct ResilientInventoryGateway: InventoryGateway {
    package let base: any InventoryGateway
    package private(set) var policy: InventoryCallPolicy
    package let breaker: CircuitBreaker
    package let bulkhead: Bulkhead
    /// Outages and recoveries, as these calls see them.
    package let availability: InventoryAvailability
    private let metrics: InventoryCallMetrics

    package init(
        base: any InventoryGateway,
        policy: InventoryCallPolicy,
        availability: InventoryAvailability = InventoryAvailability(),
        registry: PrometheusCollectorRegistry,
        logger: Logger
    ) {
        self.base = base
        self.policy = policy
        self.bulkhead = Bulkhead(limit: policy.concurrencyLimit)
        self.availability = availability
        let metrics = InventoryCallMetrics(registry: registry)
        self.metrics = metrics
        self.breaker = CircuitBreaker(policy: policy.breaker) { state in
            metrics.circuitChanged(to: state)
            if case .open = state { availability.noteOutage() }
            logger.warning(
                "\(LogMessage.circuitChanged(dependency: "inventory"))", metadata: ["circuit": "\(state)"])
        }
    }

    /// The same gateway (one breaker, one bulkhead) whose tries may each take up to `attemptTimeout`:
    /// for the reconciler, which has no shopper waiting and should let a slow inventory finish.
    package func patient(attemptTimeout: Duration) -> ResilientInventoryGateway {
        var patient = self
        patient.policy.attemptTimeout = attemptTimeout
        return patient
    }

    package func deduct(key: String, lines: [OrderLine], until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer
    {
        try await call(until: deadline) { attemptDeadline in
            try await base.deduct(key: key, lines: lines, until: attemptDeadline)
        }
    }

    package func recordedOutcome(key: String, until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer? {
        try await call(until: deadline) { attemptDeadline in
            try await base.recordedOutcome(key: key, until: attemptDeadline)
        }
    }

    /// Tries `operation` until it gives a definite answer or the deadline leaves no room for another try.
    private func call<T: Sendable>(
        until deadline: ContinuousClock.Instant,
        _ operation: @escaping @Sendable (ContinuousClock.Instant) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await tryOnce(until: deadline, operation)
            } catch let error as InventoryCallError {
                switch error {
                case .timeout, .unreachable, .unavailable:
                    // After a fast failure any useful time left is worth a try; after a timeout only a
                    // whole try is, or a slow inventory would get two half-tries per call and count twice.
                    let wait = policy.retryBackoff.delay(attempt: attempt)
                    let needed = error == .timeout ? policy.attemptTimeout : policy.minimumAttempt
                    guard ContinuousClock.now + wait + needed <= deadline else { throw error }
                    attempt += 1
                    try await Task.sleep(for: wait)
                case .circuitOpen, .bulkheadFull:
                    throw error
                }
            }
        }
    }

    private func tryOnce<T: Sendable>(
        until deadline: ContinuousClock.Instant,
        _ operation: @escaping @Sendable (ContinuousClock.Instant) async throws -> T
    ) async throws -> T {
        do {
            return try await bulkhead.run {
                guard case .granted = breaker.acquire() else {
                    metrics.count(.circuitOpen)
                    if case .open(let since) = breaker.state { throw InventoryCallError.circuitOpen(since: since) }
                    throw InventoryCallError.circuitOpen(since: Date())
                }
                let attemptDeadline = min(deadline, ContinuousClock.now + policy.attemptTimeout)
                do {
                    let value = try await withDeadline(attemptDeadline) { try await operation(attemptDeadline) }
                    breaker.record(.success)
                    availability.noteAnswer()
                    metrics.count(.ok)
                    return value
                } catch {
                    // Whatever went wrong (a timeout, a 5xx, even our own cancellation at the deadline),
                    // the try gave no definite answer: a failure in the breaker's eyes. A failed
                    // connection is one too, but those of one restart count once (see `CircuitBreaker`).
                    if case InventoryCallError.unreachable = error {
                        breaker.record(.connectionFailure)
                        availability.noteOutage()
                    } else {
                        breaker.record(.failure)
                    }
                    switch error {
                    case is DeadlineExceeded:
                        metrics.count(.timeout)
                        throw InventoryCallError.timeout
                    case is CancellationError:
                        throw error
                    case let error as InventoryCallError:
                        metrics.count(.error)
                        throw error
                    default:
                        metrics.count(.error)
                        throw InventoryCallError.unavailable(String(describing: error))
                    }
                }
            }
        } catch is BulkheadFull {
            metrics.count(.bulkheadFull)
            throw InventoryCallError.bulkheadFull
        }
    }
}

/// `inventory_calls_total{outcome}` and `inventory_circuit_state` (0 closed, 1 half-open, 2 open).
struct InventoryCallMetrics: Sendable {
    enum Outcome: String, CaseIterable {
        case ok, timeout, error
        case circuitOpen = "circuit_open"
        case bulkheadFull = "bulkhead_full"
    }

    private let counters: [String: Counter]
    private let circuit: Gauge

    init(registry: PrometheusCollectorRegistry) {
        var counters: [String: Counter] = [:]
        for outcome in Outcome.allCases {
            counters[outcome.rawValue] = registry.makeCounter(
                descriptor: .init(
                    metricName: "inventory_calls", unitName: "total",
                    helpText: "Tries of calls to inventory, by outcome (ok is any definite answer)."),
                labels: [("outcome", outcome.rawValue)])
        }
        self.counters = counters
        self.circuit = registry.makeGauge(
            descriptor: .init(
                metricName: "inventory_circuit_state", unitName: "",
                helpText: "The inventory circuit breaker: 0 closed, 1 half-open, 2 open."))
    }

    func count(_ outcome: Outcome) {
        counters[outcome.rawValue]?.increment()
    }

    func circuitChanged(to state: CircuitBreaker.State) {
        switch state {
        case .closed: circuit.set(to: 0)
        case .halfOpen: circuit.set(to: 1)
        case .open: circuit.set(to: 2)
        }
    }
}
