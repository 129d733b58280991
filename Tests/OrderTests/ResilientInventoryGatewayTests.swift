import Foundation
import Logging
import Order
import Prometheus
import Synchronization
import Testing
import WarehouseKit
import WarehouseTestSupport

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

    final class Tally: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func add() { count.withLock { $0 += 1 } }
    }

    /// An inventory that crashes once with `inFlight` calls in it: they all fail at the same moment, as
    /// a closed connection does, and every later call is answered.
    final class CrashingInventory: InventoryGateway {
        private let inFlight: Int
        private let arrived = Mutex(0)
        private let crash = Gate()

        init(crashingWith inFlight: Int) {
            self.inFlight = inFlight
        }

        func deduct(key: String, lines: [OrderLine], until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer {
            let number = arrived.withLock { count in
                count += 1
                return count
            }
            guard number <= inFlight else { return .applied }
            if number == inFlight { crash.open() }
            await crash.wait()
            throw InventoryCallError.unreachable("connection closed before an answer")
        }

        func recordedOutcome(key: String, until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer? {
            nil
        }
    }

    @Test func aCrashThatFailsEveryCallInFlightAtOnceLeavesTheCircuitClosed() async throws {
        let base = CrashingInventory(crashingWith: 32)
        let recoveries = Tally()
        let availability = InventoryAvailability(onRecovery: { recoveries.add() })
        var policy = InventoryCallPolicy()
        policy.attemptTimeout = .seconds(30)
        policy.retryBackoff = Backoff(base: .milliseconds(1), cap: .milliseconds(5))
        // The default breaker (10 calls, 50%), with a burst span no starved test run can outlast.
        policy.breaker.burstSpan = .seconds(3600)
        let gateway = ResilientInventoryGateway(
            base: base, policy: policy, availability: availability, registry: PrometheusCollectorRegistry(),
            logger: Logger(label: "test"))
        availability.noteAnswer()
        #expect(recoveries.value == 1, "the first answer after a start counts as a recovery")

        let answers = try await withThrowingTaskGroup(of: InventoryAnswer.self) { group in
            for number in 0..<32 {
                group.addTask { try await gateway.deduct(key: "k\(number)", lines: [], until: .now + .seconds(60)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Each call failed once, all at the same instant, then its retry was answered: one failure in the
        // breaker's window, not 32, so the circuit stayed closed and no retry was turned away.
        #expect(answers == Array(repeating: .applied, count: 32))
        #expect(gateway.breaker.state == .closed)
        #expect(recoveries.value == 2, "the crash was an outage, the next answer its end")
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
