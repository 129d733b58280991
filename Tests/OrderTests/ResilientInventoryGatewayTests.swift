import Foundation
import Logging
import Order
import Prometheus
import Synchronization
import Testing
import WarehouseKit

/// Retries, timeouts, the breaker and the bulkhead around a scripted inventory.
struct ResilientInventoryGatewayTests {
    /// Answers each call with the next scripted step; the last step repeats.
    final class StepInventory: InventoryGateway {
        enum Step: Sendable {
            case applied
            case unavailable
            case hang
        }

        private let steps: Mutex<[Step]>
        private let count = Mutex(0)

        init(_ steps: [Step]) {
            self.steps = Mutex(steps)
        }

        var calls: Int { count.withLock { $0 } }

        func deduct(key: String, lines: [OrderLine], until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer {
            count.withLock { $0 += 1 }
            let step = steps.withLock { steps in steps.count > 1 ? steps.removeFirst() : steps[0] }
            switch step {
            case .applied:
                return .applied
            case .unavailable:
                throw InventoryCallError.unavailable("HTTP 500")
            case .hang:
                try await Task.sleep(for: .seconds(3600))
                return .applied
            }
        }

        func recordedOutcome(key: String, until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer? {
            nil
        }
    }

    func gateway(_ base: StepInventory, configure: (inout InventoryCallPolicy) -> Void = { _ in }) -> ResilientInventoryGateway {
        var policy = InventoryCallPolicy()
        // Long enough that a try which answers at once never times out on a loaded machine (the deadline
        // timer runs on the event loop, whether or not the try's task got a thread yet; a crowded test
        // run has starved tasks for over 800 ms); the tests that need a try to time out hang it.
        policy.attemptTimeout = .seconds(5)
        policy.retryBackoff = Backoff(base: .milliseconds(1), cap: .milliseconds(5))
        policy.breaker.minimumCalls = 1000
        configure(&policy)
        return ResilientInventoryGateway(
            base: base, policy: policy, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
    }

    @Test func retriesFastFailuresInsideTheDeadline() async throws {
        let base = StepInventory([.unavailable, .unavailable, .applied])
        // A deadline no crowded test run can use up between three fast tries (one took 8 s here).
        let answer = try await gateway(base).deduct(key: "k", lines: [], until: .now + .seconds(60))
        #expect(answer == .applied)
        #expect(base.calls == 3)
    }

    @Test func givesUpWithTheLastErrorWhenTheDeadlineLeavesNoRoom() async throws {
        let base = StepInventory([.unavailable])
        // A try is only started with 19.9 s of the 20 s left, so retries stop 0.1 s in, and every try
        // has over 19 s to fail fast in: even a test run that starves tasks for seconds (a CI-like run
        // here once took 3 s over a 2 s version of this) cannot turn a fast failure into a timeout.
        let patient = gateway(base) { policy in
            policy.minimumAttempt = .milliseconds(19_900)
            policy.attemptTimeout = .seconds(30)
        }
        await #expect(throws: InventoryCallError.unavailable("HTTP 500")) {
            try await patient.deduct(key: "k", lines: [], until: .now + .seconds(20))
        }
        #expect(base.calls >= 1)
    }

    @Test func aTryThatTimesOutIsRetriedWhenAWholeTryStillFits() async throws {
        let base = StepInventory([.hang, .applied])
        let gateway = gateway(base) { $0.attemptTimeout = .seconds(1) }
        let answer = try await gateway.deduct(key: "k", lines: [], until: .now + .seconds(30))
        #expect(answer == .applied)
        // Two calls, or more if a starved test run let an answering try run out its second as well.
        #expect(base.calls >= 2)
    }

    @Test func aTryThatTimesOutIsNotRetriedWhenOnlyPartOfATryIsLeft() async throws {
        let base = StepInventory([.hang, .applied])
        // The first 1 s try ends no earlier than 1 s in, leaving under 0.5 s: less than a whole try.
        let gateway = gateway(base) { $0.attemptTimeout = .seconds(1) }
        await #expect(throws: InventoryCallError.timeout) {
            try await gateway.deduct(key: "k", lines: [], until: .now + .milliseconds(1500))
        }
        #expect(base.calls == 1)
    }

    @Test func anOpenCircuitFailsFastWithoutCallingInventory() async throws {
        let base = StepInventory([.unavailable])
        let gateway = gateway(base) { policy in
            policy.breaker.minimumCalls = 3
            policy.breaker.openDuration = .seconds(60)
            policy.retryBackoff = Backoff(base: .zero, cap: .zero)
        }
        _ = try? await gateway.deduct(key: "k", lines: [], until: .now + .seconds(30))
        guard case .open = gateway.breaker.state else {
            Issue.record("expected the circuit to open, got \(gateway.breaker.state)")
            return
        }
        let callsBefore = base.calls
        do {
            _ = try await gateway.deduct(key: "k2", lines: [], until: .now + .seconds(30))
            Issue.record("an open circuit must refuse the call")
        } catch let error as InventoryCallError {
            guard case .circuitOpen = error else {
                Issue.record("expected circuitOpen, got \(error)")
                return
            }
        }
        #expect(base.calls == callsBefore)
    }

    @Test func aFullBulkheadRefusesAtOnce() async throws {
        let base = StepInventory([.hang])
        let gateway = gateway(base) { policy in
            policy.concurrencyLimit = 1
            policy.attemptTimeout = .seconds(10)
        }
        let holder = Task { try await gateway.deduct(key: "slow", lines: [], until: .now + .seconds(10)) }
        while gateway.bulkhead.callsInFlight == 0 { await Task.yield() }
        await #expect(throws: InventoryCallError.bulkheadFull) {
            try await gateway.deduct(key: "fast", lines: [], until: .now + .seconds(1))
        }
        holder.cancel()
        _ = try? await holder.value
    }
}
