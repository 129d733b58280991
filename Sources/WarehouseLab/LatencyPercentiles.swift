import Histogram

/// Percentiles of answer times, from an HdrHistogram of microseconds (3 significant digits).
package struct LatencyPercentiles: Sendable, Codable, Equatable {
    package var count = 0
    package var p50 = 0.0
    package var p90 = 0.0
    package var p99 = 0.0
    package var p999 = 0.0
    package var max = 0.0

    package init() {}

    /// Summarises times given in milliseconds.
    package init(milliseconds: [Double]) {
        var histogram = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        for value in milliseconds {
            _ = histogram.record(UInt64((value * 1000).rounded()))
        }
        count = milliseconds.count
        guard count > 0 else { return }
        func at(_ percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1000 }
        p50 = at(50)
        p90 = at(90)
        p99 = at(99)
        p999 = at(99.9)
        max = Double(histogram.max) / 1000
    }
}
