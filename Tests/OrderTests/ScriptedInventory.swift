import Foundation
import Order
import Synchronization
import WarehouseTestSupport

/// A fake inventory whose answers the test scripts, and which records every call.
final class ScriptedInventory: InventoryGateway {
    enum Script: Sendable {
        case applied
        case rejected(String)
        /// No definite answer, as the real gateway reports it.
        case fail(InventoryCallError)
        /// Some other error, such as one the gateway did not expect.
        case error(any Error & Sendable)
        /// Never answers; ends only when the call is cancelled.
        case hang
        /// Answers `answer` once `gate` opens.
        case after(Gate, InventoryAnswer)
        /// Holds the first call until `gate` opens; every call is applied.
        case holdingFirst(Gate)
    }

    struct Call: Sendable, Equatable {
        var key: String
        var lines: [OrderLine]
    }

    private struct State {
        var script: Script
        /// What `recordedOutcome` reports: inventory's record of a key, if it has one.
        var recorded: InventoryAnswer?
        var lookUps = 0
        var calls: [Call] = []
        var cancelledCalls = 0
        var waiters: [(condition: @Sendable (State) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

        /// Takes out the waiters whose condition now holds, for the caller to resume outside the lock.
        mutating func satisfiedWaiters() -> [CheckedContinuation<Void, Never>] {
            let state = self
            let ready = waiters.filter { $0.condition(state) }.map(\.continuation)
            waiters.removeAll { $0.condition(state) }
            return ready
        }
        var hanging: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state: Mutex<State>

    init(_ script: Script = .applied) {
        state = Mutex(State(script: script))
    }

    /// What every later call does.
    func script(_ script: Script) {
        state.withLock { $0.script = script }
    }

    /// What `recordedOutcome` reports from now on.
    func record(_ answer: InventoryAnswer?) {
        state.withLock { $0.recorded = answer }
    }

    var calls: [Call] { state.withLock { $0.calls } }

    /// How many times inventory's record was read.
    var lookUps: Int { state.withLock { $0.lookUps } }

    /// How many calls ended because they were cancelled while hanging.
    var cancelledCalls: Int { state.withLock { $0.cancelledCalls } }

    /// Returns once at least `count` calls have arrived.
    func waitForCalls(_ count: Int) async {
        await waitUntil { $0.calls.count >= count }
    }

    /// Returns once at least `count` hanging calls have been cancelled.
    func waitForCancelledCalls(_ count: Int) async {
        await waitUntil { $0.cancelledCalls >= count }
    }

    private func waitUntil(_ condition: @escaping @Sendable (State) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let reached = state.withLock { state in
                if condition(state) { return true }
                state.waiters.append((condition, continuation))
                return false
            }
            if reached { continuation.resume() }
        }
    }

    func recordedOutcome(key: String, until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer? {
        state.withLock { state in
            state.lookUps += 1
            return state.recorded
        }
    }

    func deduct(key: String, lines: [OrderLine], until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer {
        let (script, first, ready) = state.withLock { state in
            state.calls.append(Call(key: key, lines: lines))
            return (state.script, state.calls.count == 1, state.satisfiedWaiters())
        }
        ready.forEach { $0.resume() }
        switch script {
        case .applied:
            return .applied
        case .rejected(let reason):
            return .rejected(reason: reason)
        case .fail(let error):
            throw error
        case .error(let error):
            throw error
        case .hang:
            try await hangUntilCancelled()
        case .after(let gate, let answer):
            await gate.wait()
            return answer
        case .holdingFirst(let gate):
            if first { await gate.wait() }
            return .applied
        }
    }

    private func hangUntilCancelled() async throws -> Never {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let cancelled = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.hanging[id] = continuation
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.hanging.removeValue(forKey: id) }?.resume()
        }
        let ready = state.withLock { state in
            state.cancelledCalls += 1
            return state.satisfiedWaiters()
        }
        ready.forEach { $0.resume() }
        throw CancellationError()
    }
}
