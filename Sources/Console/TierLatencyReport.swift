import WarehouseKit

/// The console's `GET /api/stats/latency`: order's `LatencyReport` over every order instance at once,
/// so the tile turns red when the tier is slow even though a balancer would answer from one replica,
/// plus each instance's own figures.
///
/// Its JSON is order's answer with two more fields, so the page reads it as it read order's: `tier`'s
/// fields at the top level, taken over the whole tier (`count` every instance's placements, `averageMs`
/// their average weighted by each instance's count, `state` `alert` exactly when that average exceeds
/// `thresholdMs`; `p99Ms` is the highest of the instances', since percentiles of separate windows do
/// not combine: an upper bound of the tier's).
package struct TierLatencyReport: Codable, Sendable, Equatable {
    package var tier: LatencyReport
    /// True when some instance did not answer: the figures are those of the others.
    package var partial: Bool
    /// Each instance asked, in the order asked.
    package var instances: [InstanceLatency]

    private enum CodingKeys: String, CodingKey {
        case partial, instances
    }

    package init(tier: LatencyReport, partial: Bool, instances: [InstanceLatency]) {
        self.tier = tier
        self.partial = partial
        self.instances = instances
    }

    package init(from decoder: any Decoder) throws {
        tier = try LatencyReport(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        partial = try container.decode(Bool.self, forKey: .partial)
        instances = try container.decode([InstanceLatency].self, forKey: .instances)
    }

    package func encode(to encoder: any Encoder) throws {
        try tier.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(partial, forKey: .partial)
        try container.encode(instances, forKey: .instances)
    }
}

/// One order instance's part of a `TierLatencyReport`: its own window, or why it is missing.
package struct InstanceLatency: Codable, Sendable, Equatable {
    /// Its base URL, as asked.
    package var instance: String
    package var count: Int?
    package var averageMs: Double?
    package var state: LatencyReport.State?
    /// Why it has no figures: it could not be reached, was too slow, or answered something else.
    package var error: String?

    package init(instance: String, report: LatencyReport) {
        self.instance = instance
        count = report.count
        averageMs = report.averageMs
        state = report.state
    }

    package init(instance: String, error: String) {
        self.instance = instance
        self.error = error
    }
}

/// What asking one instance gave.
package struct InstanceAnswer: Sendable {
    package var instance: String
    package var outcome: Result<LatencyReport, ConsoleError>

    package init(instance: String, outcome: Result<LatencyReport, ConsoleError>) {
        self.instance = instance
        self.outcome = outcome
    }
}

extension TierLatencyReport {
    /// The tier's report from every instance's answer; nil when none answered.
    ///
    /// The threshold is the lowest the instances report (they are configured alike; the strictest wins
    /// if not). Series are merged by second, weighted the same way.
    package static func combine(_ answers: [InstanceAnswer]) -> TierLatencyReport? {
        let reports = answers.compactMap { try? $0.outcome.get() }
        guard let first = reports.first else { return nil }
        let thresholdMs = reports.map(\.thresholdMs).min() ?? first.thresholdMs
        let tier = Weighted(reports.map { ($0.count, $0.averageMs, $0.p99Ms) })
        let seriesSeconds = reports.map(\.seriesSeconds).max() ?? first.seriesSeconds
        let tierReport = LatencyReport(
            measured: first.measured,
            windowSeconds: first.windowSeconds,
            count: tier.count,
            averageMs: tier.averageMs,
            p99Ms: tier.p99Ms,
            thresholdMs: thresholdMs,
            state: tier.averageMs.map { $0 > thresholdMs } == true ? .alert : .ok,
            seriesSeconds: seriesSeconds,
            series: mergedSeries(reports.map(\.series), keepingLast: seriesSeconds))
        return TierLatencyReport(
            tier: tierReport,
            partial: reports.count < answers.count,
            instances: answers.map { answer in
                switch answer.outcome {
                case .success(let report): InstanceLatency(instance: answer.instance, report: report)
                case .failure(let error): InstanceLatency(instance: answer.instance, error: error.problem.detail ?? "\(error)")
                }
            }
        )
    }

    /// The instances' seconds merged by time, oldest first, the last `keepingLast` of them (the
    /// instances' clocks may disagree on the current second).
    static func mergedSeries(_ series: [[LatencySecond]], keepingLast limit: Int) -> [LatencySecond] {
        let bySecond = Dictionary(grouping: series.joined(), by: \.time)
        let merged = bySecond.keys.sorted().map { time in
            let seconds = bySecond[time] ?? []
            let weighted = Weighted(seconds.map { ($0.count, $0.averageMs, $0.p99Ms) })
            return LatencySecond(time: time, count: weighted.count, averageMs: weighted.averageMs, p99Ms: weighted.p99Ms)
        }
        return Array(merged.suffix(limit))
    }
}

/// Windows of several instances as one: counts added, averages weighted by count, the highest p99.
private struct Weighted {
    var count = 0
    var averageMs: Double?
    var p99Ms: Double?

    init(_ parts: [(count: Int, averageMs: Double?, p99Ms: Double?)]) {
        var totalMs = 0.0
        for part in parts where part.count > 0 {
            guard let average = part.averageMs else { continue }
            count += part.count
            totalMs += average * Double(part.count)
            if let p99 = part.p99Ms { p99Ms = max(p99Ms ?? p99, p99) }
        }
        if count > 0 { averageMs = (totalMs / Double(count)).rounded(toPlaces: 3) }
    }
}
