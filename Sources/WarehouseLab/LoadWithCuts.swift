import Foundation
import Synchronization

/// A load with moments cut into it: the workload's orders are placed by concurrent clients, and each
/// time the number answered reaches a threshold, `cut` runs (a snapshot, say) while the clients go on.
/// Every order's answer is kept with the instant it arrived, and every cut with when it began and
/// ended, so a check can tell which orders were acknowledged before which cut, and which were answered
/// while one ran.
package struct LoadWithCuts {
    package let system: SystemLauncher
    package let http: LabHTTP
    package let concurrency: Int

    package init(system: SystemLauncher, http: LabHTTP, concurrency: Int) {
        self.system = system
        self.http = http
        self.concurrency = concurrency
    }

    /// Places every order; runs `cut(i)` once `thresholds[i]` orders have been answered.
    package func run(
        _ workload: OrderWorkload, cutAfter thresholds: [Int], cut: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> (orders: [AcknowledgedOrder], cuts: [DateInterval]) {
        let client = ShopperClient(http: http, orderURL: system.orderURL)
        let total = workload.orders.count
        let next = SharedCounter()
        let progress = Progress()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while let index = next.take(below: total) {
                        let record = await client.place(workload.orders[index])
                        progress.answered.withLock { $0.append(AcknowledgedOrder(record: record, answeredAt: Date())) }
                    }
                }
            }
            group.addTask {
                for (index, threshold) in thresholds.enumerated() {
                    while progress.answered.withLock({ $0.count }) < min(threshold, total) {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    let began = Date()
                    try await cut(index)
                    progress.cuts.withLock { $0.append(DateInterval(start: began, end: Date())) }
                }
            }
            try await group.waitForAll()
        }
        return (progress.answered.withLock { $0 }, progress.cuts.withLock { $0 })
    }
}

extension AcknowledgedOrder {
    /// When its first try was sent and answered, if it was sent.
    package var firstTry: DateInterval? {
        guard let placedAt = record.placedAt, let first = record.attempts.first else { return nil }
        return DateInterval(start: placedAt, duration: first.milliseconds / 1000)
    }
}

/// What the clients and the cutter share while a load runs.
private final class Progress: Sendable {
    let answered = Mutex<[AcknowledgedOrder]>([])
    let cuts = Mutex<[DateInterval]>([])
}
