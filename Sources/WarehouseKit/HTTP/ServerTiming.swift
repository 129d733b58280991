import Foundation
import HTTPTypes

extension HTTPField.Name {
    package static let serverTiming = HTTPField.Name("Server-Timing")!
}

/// The `Server-Timing` header (W3C Server Timing) every service puts on its answers: `total;dur=12.3`,
/// the milliseconds from the request's arrival at the router to its answer (`MetricsMiddleware`).
///
/// A client that got an answer later than it should can tell the time the service took from the time
/// the request and its answer spent on the way: on a starved machine the two differ by seconds, and
/// only the first is the service's to keep inside its deadline (the chaos experiment checks that one).
package enum ServerTiming {
    package static func value(total: Duration) -> String {
        "total;dur=" + String(format: "%.1f", total.milliseconds)
    }

    /// The `total` metric's duration in milliseconds, if `value` has one.
    package static func totalMilliseconds(in value: String) -> Double? {
        for metric in value.split(separator: ",") {
            let parts = metric.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.first == "total" else { continue }
            return parts.dropFirst().first { $0.hasPrefix("dur=") }.flatMap { Double($0.dropFirst(4)) }
        }
        return nil
    }
}
