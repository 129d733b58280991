import Foundation

/// The latency alert of a service: raised exactly while the average response time over the last
/// `windowSeconds` seconds exceeds `threshold`. No requests in the window is no alert.
package struct LatencyAlert: Sendable {
    package let window: LatencyWindow
    /// What the window measures, in words (`POST /orders`).
    package let measured: String
    package var windowSeconds = 30
    package var threshold: Duration = .seconds(1)

    package init(window: LatencyWindow, measured: String, windowSeconds: Int = 30, threshold: Duration = .seconds(1)) {
        self.window = window
        self.measured = measured
        self.windowSeconds = windowSeconds
        self.threshold = threshold
    }

    /// The alert now, with a per-second series of the last `seriesSeconds` seconds for charts.
    package func report(seriesSeconds: Int) -> LatencyReport {
        let summary = window.summary(lastSeconds: windowSeconds)
        let thresholdMs = threshold.milliseconds
        let raised = summary.averageMs.map { $0 > thresholdMs } ?? false
        return LatencyReport(
            measured: measured,
            windowSeconds: summary.seconds,
            count: summary.count,
            averageMs: summary.averageMs.map { $0.rounded(toPlaces: 3) },
            p99Ms: summary.p99Ms.map { $0.rounded(toPlaces: 3) },
            thresholdMs: thresholdMs,
            state: raised ? .alert : .ok,
            seriesSeconds: min(seriesSeconds, window.capacity),
            series: window.series(lastSeconds: seriesSeconds).map { second in
                var second = second
                second.averageMs = second.averageMs.map { $0.rounded(toPlaces: 3) }
                second.p99Ms = second.p99Ms.map { $0.rounded(toPlaces: 3) }
                return second
            }
        )
    }
}

/// The body of `GET /stats/latency`.
package struct LatencyReport: Codable, Sendable, Equatable {
    package enum State: String, Codable, Sendable {
        case ok, alert
    }

    package var measured: String
    package var windowSeconds: Int
    /// Requests in the window.
    package var count: Int
    /// Absent when the window holds no request.
    package var averageMs: Double?
    package var p99Ms: Double?
    package var thresholdMs: Double
    /// `alert` exactly when `averageMs > thresholdMs`.
    package var state: State
    package var seriesSeconds: Int
    /// One entry per second, oldest first, the current second last.
    package var series: [LatencySecond]

    package init(
        measured: String, windowSeconds: Int, count: Int, averageMs: Double?, p99Ms: Double?, thresholdMs: Double,
        state: State, seriesSeconds: Int, series: [LatencySecond]
    ) {
        self.measured = measured
        self.windowSeconds = windowSeconds
        self.count = count
        self.averageMs = averageMs
        self.p99Ms = p99Ms
        self.thresholdMs = thresholdMs
        self.state = state
        self.seriesSeconds = seriesSeconds
        self.series = series
    }
}
