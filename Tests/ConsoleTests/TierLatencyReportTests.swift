import Console
import Foundation
import Testing
import WarehouseKit

/// A latency window as order answers it.
func latencyReport(count: Int, averageMs: Double?, p99Ms: Double? = nil, thresholdMs: Double = 1000, time: Int64 = 100)
    -> LatencyReport
{
    LatencyReport(
        measured: "POST /orders", windowSeconds: 30, count: count, averageMs: averageMs, p99Ms: p99Ms ?? averageMs,
        thresholdMs: thresholdMs, state: (averageMs ?? 0) > thresholdMs ? .alert : .ok, seriesSeconds: 2,
        series: [
            LatencySecond(time: time - 1, count: 0),
            LatencySecond(time: time, count: count, averageMs: averageMs, p99Ms: p99Ms ?? averageMs),
        ])
}

@Suite("The latency of the order tier, combined")
struct TierLatencyReportTests {
    @Test("the average is weighted by each instance's count, the p99 the highest")
    func weighted() throws {
        let combined = try #require(
            TierLatencyReport.combine([
                InstanceAnswer(instance: "a", outcome: .success(latencyReport(count: 30, averageMs: 100, p99Ms: 200))),
                InstanceAnswer(instance: "b", outcome: .success(latencyReport(count: 10, averageMs: 500, p99Ms: 900))),
            ]))
        #expect(combined.tier.count == 40)
        #expect(combined.tier.averageMs == 200)  // (30 × 100 + 10 × 500) / 40, not (100 + 500) / 2
        #expect(combined.tier.p99Ms == 900)
        #expect(combined.tier.state == .ok)
        #expect(!combined.partial)
        #expect(combined.tier.series.last == LatencySecond(time: 100, count: 40, averageMs: 200, p99Ms: 900))
        #expect(combined.instances.map(\.averageMs) == [100, 500])
    }

    @Test("one slow instance of two raises the alert that the other alone would not")
    func oneSlow() throws {
        let fast = latencyReport(count: 50, averageMs: 40)
        let slow = latencyReport(count: 50, averageMs: 2500)
        let combined = try #require(
            TierLatencyReport.combine([
                InstanceAnswer(instance: "http://10.0.0.1:8080", outcome: .success(fast)),
                InstanceAnswer(instance: "http://10.0.0.2:8080", outcome: .success(slow)),
            ]))
        #expect(fast.state == .ok)
        #expect(combined.tier.averageMs == 1270)
        #expect(combined.tier.state == .alert)
        #expect(combined.instances.map(\.state) == [.ok, .alert])
    }

    @Test("an instance that does not answer is listed with its error; the others' alert still shows, as partial")
    func unreachable() throws {
        let combined = try #require(
            TierLatencyReport.combine([
                InstanceAnswer(
                    instance: "http://10.0.0.1:8080",
                    outcome: .failure(.unreachable(service: "order instance http://10.0.0.1:8080", reason: "connection refused"))),
                InstanceAnswer(instance: "http://10.0.0.2:8080", outcome: .success(latencyReport(count: 5, averageMs: 1500))),
            ]))
        #expect(combined.tier.state == .alert)
        #expect(combined.partial)
        #expect(combined.tier.count == 5)
        let silent = try #require(combined.instances.first)
        #expect(silent.count == nil && silent.state == nil)
        #expect(silent.error?.contains("connection refused") == true)
    }

    @Test("no instance answering is no report; an idle tier is ok with no average")
    func emptyAndIdle() throws {
        #expect(
            TierLatencyReport.combine([
                InstanceAnswer(instance: "a", outcome: .failure(.timedOut(service: "order", milliseconds: 2000)))
            ]) == nil)
        let idle = try #require(
            TierLatencyReport.combine([
                InstanceAnswer(instance: "a", outcome: .success(latencyReport(count: 0, averageMs: nil))),
                InstanceAnswer(instance: "b", outcome: .success(latencyReport(count: 0, averageMs: nil))),
            ]))
        #expect(idle.tier.averageMs == nil && idle.tier.p99Ms == nil && idle.tier.state == .ok && idle.tier.count == 0)
    }
}
