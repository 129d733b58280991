import Foundation
import WarehouseKit

/// `/health` checks of how far this service lags behind the order feed: `orderFeed:lag` in events and
/// `orderFeed:lagTime` in seconds, each `warn` past its threshold. Never `fail`: a notification service
/// behind its feed still serves its inboxes, and it catches up by itself once the feed answers.
package struct FeedLagIndicator: HealthIndicator {
    package enum Measure: Sendable {
        case events(threshold: Int64)
        case seconds(threshold: Double)
    }

    package let lag: FeedLag
    package let measure: Measure
    package let componentType = "component"
    package let displayName = "order feed"

    package init(lag: FeedLag, measure: Measure) {
        self.lag = lag
        self.measure = measure
    }

    package var key: String {
        switch measure {
        case .events: "orderFeed:lag"
        case .seconds: "orderFeed:lagTime"
        }
    }

    package func check() async -> HealthCheckResult {
        let snapshot = lag.snapshot()
        let (value, unit, over): (Double, String, String?) =
            switch measure {
            case .events(let threshold):
                (
                    Double(snapshot.events), "events",
                    snapshot.events > threshold
                        ? "order feed: \(snapshot.events) events not yet read (warns past \(threshold))" : nil
                )
            case .seconds(let threshold):
                (
                    (snapshot.seconds * 10).rounded() / 10, "s",
                    snapshot.seconds > threshold
                        ? "order feed: \(Int(snapshot.seconds)) s behind (warns past \(Int(threshold)) s)" : nil
                )
            }
        let output = [snapshot.problem.map { "order feed unreadable: \($0)" }, over].compactMap { $0 }
        return HealthCheckResult(
            componentType: componentType,
            observedValue: value,
            observedUnit: unit,
            status: output.isEmpty ? .pass : .warn,
            output: output.isEmpty ? nil : output.joined(separator: "; ")
        )
    }
}
