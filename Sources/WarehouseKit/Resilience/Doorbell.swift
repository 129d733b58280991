import Foundation
import Synchronization

/// Lets one task sleep until either a timeout passes or someone rings. A ring while nobody waits is
/// remembered, so it cannot be lost between a check and the wait that follows it.
package final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    package func ring() {
        let waiters = state.withLock { state in
            let waiting = Array(state.waiters.values)
            state.waiters.removeAll()
            if waiting.isEmpty { state.rung = true }
            return waiting
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns after `timeout`, or as soon as the bell rings, or when the task is cancelled.
    package func wait(atMost timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
