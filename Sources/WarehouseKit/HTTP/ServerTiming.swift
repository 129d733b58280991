import Foundation
import HTTPTypes

extension HTTPField.Name {
    package static let serverTiming = HTTPField.Name("Server-Timing")!
}

/// The `Server-Timing` header (W3C Server Timing) every service puts on its answers: `total;dur=12.3`,
/// the milliseconds from the request's arrival at the router to its answer (`MetricsMiddleware`), and
/// `stall;dur=140.0` when the process stood still for some of that time (`StallMeter`).
///
/// A client that got an answer later than it should can tell the time the service took from the time
/// the request and its answer spent on the way: on a starved machine the two differ by seconds, and
/// only the first is the service's to keep inside its deadline (the chaos experiment checks that one),
/// less the time the machine gave the service no CPU at all.
package enum ServerTiming {
    package static func value(total: Duration, stall: Duration = .zero) -> String {
        let total = "total;dur=" + String(format: "%.1f", total.milliseconds)
        return stall > .zero ? total + ", stall;dur=" + String(format: "%.1f", stall.milliseconds) : total
    }

    /// The `total` metric's duration in milliseconds, if `value` has one.
    package static func totalMilliseconds(in value: String) -> Double? {
        milliseconds(of: "total", in: value)
    }

    /// The `stall` metric's duration in milliseconds: 0 when `value` has none (the process did not
    /// stand still), nil when `value` has no `total` either (not a service's answer).
    package static func stallMilliseconds(in value: String) -> Double? {
        guard totalMilliseconds(in: value) != nil else { return nil }
        return milliseconds(of: "stall", in: value) ?? 0
    }

    private static func milliseconds(of name: String, in value: String) -> Double? {
        for metric in value.split(separator: ",") {
            let parts = metric.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.first == name else { continue }
            return parts.dropFirst().first { $0.hasPrefix("dur=") }.flatMap { Double($0.dropFirst(4)) }
        }
        return nil
    }
}
