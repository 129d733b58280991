import Foundation
import Synchronization

/// Response times of the last few minutes, one bucket per second: how many requests, the sum and the
/// maximum of their durations, and how many fell under each of a fixed set of bounds (`boundsMs`), from
/// which a p99 is approximated as Prometheus' `histogram_quantile` does.
///
/// The buckets form a ring of `capacity` seconds: memory is fixed whatever the traffic, and a bucket
/// is reset when its slot is reused for a newer second. Time is injected (`now`), so tests move it by
/// hand instead of waiting. Thread-safe; recording costs one short lock.
package final class LatencyWindow: Sendable {
    /// Upper bounds of the latency buckets, in milliseconds. A last bucket takes everything slower; its
    /// upper bound is the slowest duration seen.
    package static let boundsMs: [Double] = [5, 10, 25, 50, 100, 250, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000]

    /// How many seconds of history the ring keeps.
    package let capacity: Int
    private let now: @Sendable () -> Date
    private let ring: Mutex<[Bucket]>

    /// One second of requests.
    struct Bucket {
        var second: Int64 = .min
        var count = 0
        var sumMs = 0.0
        var maxMs = 0.0
        /// `counts[i]` requests took at most `boundsMs[i]` (and more than the bound before); the last,
        /// more than every bound.
        var counts = [Int](repeating: 0, count: LatencyWindow.boundsMs.count + 1)

        mutating func reset(to second: Int64) {
            self.second = second
            count = 0
            sumMs = 0
            maxMs = 0
            for index in counts.indices { counts[index] = 0 }
        }
    }

    /// - Parameters:
    ///   - capacity: seconds of history kept (at least 1).
    ///   - now: the wall clock; seconds are whole seconds since 1970, so a series can be labelled.
    package init(capacity: Int = 300, now: @escaping @Sendable () -> Date = { Date() }) {
        self.capacity = max(1, capacity)
        self.now = now
        self.ring = Mutex([Bucket](repeating: Bucket(), count: max(1, capacity)))
    }

    /// Counts one request that took `duration`, in the current second.
    package func record(_ duration: Duration) {
        let milliseconds = max(0, duration.milliseconds)
        let second = Self.second(of: now())
        let slot = slot(of: second)
        let index = Self.boundsMs.firstIndex { milliseconds <= $0 } ?? Self.boundsMs.count
        ring.withLock { ring in
            // A second older than the slot's (the wall clock stepped back) is dropped rather than
            // allowed to wipe newer data.
            guard ring[slot].second <= second else { return }
            if ring[slot].second != second { ring[slot].reset(to: second) }
            ring[slot].count += 1
            ring[slot].sumMs += milliseconds
            ring[slot].maxMs = max(ring[slot].maxMs, milliseconds)
            ring[slot].counts[index] += 1
        }
    }

    /// The requests of the last `seconds` seconds: the current second and the `seconds - 1` before it.
    package func summary(lastSeconds seconds: Int) -> LatencySummary {
        let buckets = recent(seconds)
        var total = Bucket()
        for bucket in buckets {
            total.count += bucket.count
            total.sumMs += bucket.sumMs
            total.maxMs = max(total.maxMs, bucket.maxMs)
            for index in total.counts.indices { total.counts[index] += bucket.counts[index] }
        }
        return LatencySummary(total, seconds: min(seconds, capacity))
    }

    /// One entry per second of the last `seconds` seconds, oldest first; seconds without requests are
    /// there too, with a count of 0, so a chart's time axis has no gaps.
    package func series(lastSeconds seconds: Int) -> [LatencySecond] {
        recent(seconds).map { bucket in
            let summary = LatencySummary(bucket, seconds: 1)
            return LatencySecond(
                time: bucket.second, count: summary.count, averageMs: summary.averageMs, p99Ms: summary.p99Ms)
        }
    }

    /// The buckets of the last `seconds` seconds, oldest first, stale slots replaced by empty ones.
    private func recent(_ seconds: Int) -> [Bucket] {
        let current = Self.second(of: now())
        let span = Int64(min(max(seconds, 1), capacity))
        let ring = ring.withLock { $0 }
        return (current - span + 1...current).map { second in
            let bucket = ring[slot(of: second)]
            if bucket.second == second { return bucket }
            var empty = Bucket()
            empty.reset(to: second)
            return empty
        }
    }

    private func slot(of second: Int64) -> Int {
        Int(((second % Int64(capacity)) + Int64(capacity)) % Int64(capacity))
    }

    private static func second(of date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }
}

/// The requests of a span of seconds.
package struct LatencySummary: Sendable, Equatable {
    package var seconds: Int
    package var count: Int
    package var sumMs: Double
    /// Nil when there were no requests: an average of nothing is not zero.
    package var averageMs: Double?
    /// Approximated from the latency buckets: linear inside the bucket the 99th percentile falls in,
    /// never above the slowest request.
    package var p99Ms: Double?
    package var maxMs: Double?

    init(_ bucket: LatencyWindow.Bucket, seconds: Int) {
        self.seconds = seconds
        self.count = bucket.count
        self.sumMs = bucket.sumMs
        guard bucket.count > 0 else { return }
        self.averageMs = bucket.sumMs / Double(bucket.count)
        self.maxMs = bucket.maxMs
        self.p99Ms = Self.quantile(0.99, counts: bucket.counts, total: bucket.count, maxMs: bucket.maxMs)
    }

    static func quantile(_ quantile: Double, counts: [Int], total: Int, maxMs: Double) -> Double {
        let rank = quantile * Double(total)
        var below = 0
        for (index, count) in counts.enumerated() where count > 0 {
            if Double(below + count) >= rank {
                let lower = index == 0 ? 0 : LatencyWindow.boundsMs[index - 1]
                let upper = index < LatencyWindow.boundsMs.count ? LatencyWindow.boundsMs[index] : maxMs
                return min(lower + (upper - lower) * (rank - Double(below)) / Double(count), maxMs)
            }
            below += count
        }
        return maxMs
    }
}

/// One second of a latency series.
package struct LatencySecond: Codable, Sendable, Equatable {
    /// The second, in whole seconds since 1970 (UTC).
    package var time: Int64
    package var count: Int
    package var averageMs: Double?
    package var p99Ms: Double?

    package init(time: Int64, count: Int, averageMs: Double? = nil, p99Ms: Double? = nil) {
        self.time = time
        self.count = count
        self.averageMs = averageMs
        self.p99Ms = p99Ms
    }
}
