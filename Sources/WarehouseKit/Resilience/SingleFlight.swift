import Synchronization

/// Runs at most one `operation` at a time: a caller that arrives while one runs waits for that one's
/// result instead of starting another. Health probes use it, so a burst of `/health` requests against
/// a locked database costs one probe, not a queue of them each waiting out the lock.
package final class SingleFlight<Value: Sendable>: Sendable {
    private let running = Mutex<Task<Value, Never>?>(nil)

    package init() {}

    package func run(_ operation: @escaping @Sendable () async -> Value) async -> Value {
        let task = running.withLock { running in
            if let running { return running }
            let task = Task {
                let value = await operation()
                // Only this task can be the one running now: a new one starts only when none is.
                self.running.withLock { $0 = nil }
                return value
            }
            running = task
            return task
        }
        return await task.value
    }
}
