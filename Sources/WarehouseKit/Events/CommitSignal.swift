import Synchronization

/// Tells every task waiting for news that something was committed. A waiter names the generation it
/// last saw, so a commit between its look at the data and its wait is never missed: the wait returns at
/// once when the generation has moved on since.
///
/// A publisher's feed waits on this for long polls: a reader finds nothing new, waits, and is woken by
/// the next commit instead of asking the database again and again.
package final class CommitSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Changes with every `signal()`; read it before looking at the data.
    package var generation: UInt64 { state.withLock { $0.generation } }

    /// Wakes every waiter. Call it after a commit.
    package func signal() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation differs from `seen`, at `deadline`, or when the task is cancelled,
    /// whichever comes first.
    package func wait(after seen: UInt64, until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            group.addTask { await self.waitForSignal(after: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal(after seen: UInt64) async {
        let id = state.withLock { state in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.generation != seen || Task.isCancelled { return true }
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
