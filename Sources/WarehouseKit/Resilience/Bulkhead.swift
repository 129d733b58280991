import Synchronization

/// A bound on how many calls to one dependency run at once. When it is full a call is refused at once
/// instead of queueing, so a slow dependency holds at most `limit` of this service's tasks and every
/// other request stays fast.
package final class Bulkhead: Sendable {
    package let limit: Int
    private let inUse = Mutex(0)

    package init(limit: Int) {
        self.limit = limit
    }

    package var callsInFlight: Int { inUse.withLock { $0 } }

    /// Runs `operation` holding a slot; throws `BulkheadFull` without running it when none is free.
    package func run<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        let admitted = inUse.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else { throw BulkheadFull(limit: limit) }
        defer { inUse.withLock { $0 -= 1 } }
        return try await operation()
    }
}

package struct BulkheadFull: Error, Equatable, CustomStringConvertible {
    package let limit: Int
    package var description: String { "all \(limit) slots for calls are taken" }

    package init(limit: Int) {
        self.limit = limit
    }
}
