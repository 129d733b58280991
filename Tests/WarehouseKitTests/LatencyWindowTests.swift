import Foundation
import Synchronization
import Testing
import WarehouseKit

/// A wall clock the test moves by hand.
final class ManualTime: Sendable {
    private let now = Mutex(Date(timeIntervalSince1970: 1_000_000))

    var date: Date { now.withLock { $0 } }

    func advance(seconds: Double) {
        now.withLock { $0 += seconds }
    }
}

@Suite("LatencyWindow")
struct LatencyWindowTests {
    let time = ManualTime()

    func window(capacity: Int = 300) -> LatencyWindow {
        LatencyWindow(capacity: capacity) { [time] in time.date }
    }

    @Test("empty: no requests, no average, no p99")
    func empty() {
        let summary = window().summary(lastSeconds: 30)
        #expect(summary.count == 0)
        #expect(summary.averageMs == nil)
        #expect(summary.p99Ms == nil)
        #expect(summary.seconds == 30)
    }

    @Test("count, sum, average and maximum over the window")
    func averages() throws {
        let window = window()
        window.record(.milliseconds(100))
        window.record(.milliseconds(300))
        time.advance(seconds: 5)
        window.record(.milliseconds(2000))
        let summary = window.summary(lastSeconds: 30)
        #expect(summary.count == 3)
        #expect(summary.sumMs == 2400)
        #expect(summary.averageMs == 800)
        #expect(summary.maxMs == 2000)
    }

    @Test("the window holds the current second and the 29 before it, no more")
    func windowEdge() {
        let window = window()
        window.record(.seconds(2))
        time.advance(seconds: 29)
        #expect(window.summary(lastSeconds: 30).count == 1)
        time.advance(seconds: 1)
        #expect(window.summary(lastSeconds: 30).count == 0)
        #expect(window.summary(lastSeconds: 31).count == 1)
    }

    @Test("seconds are whole seconds: a request at x.999 and one at x+1.0 fall in neighbouring buckets")
    func secondBoundaries() {
        let window = window()
        time.advance(seconds: 0.999)
        window.record(.milliseconds(10))
        time.advance(seconds: 0.001)
        window.record(.milliseconds(20))
        let series = window.series(lastSeconds: 2)
        #expect(series.map(\.count) == [1, 1])
        #expect(series[1].time == series[0].time + 1)
    }

    @Test("p99 is interpolated inside its bucket and never above the slowest request")
    func p99() throws {
        let window = window()
        for _ in 0..<99 { window.record(.milliseconds(20)) }
        window.record(.milliseconds(4000))
        let summary = window.summary(lastSeconds: 30)
        // Rank 99 of 100 is the last of the 99 requests in the (10, 25] ms bucket.
        #expect(try #require(summary.p99Ms) == 25)

        let single = self.window()
        single.record(.milliseconds(1234))
        #expect(single.summary(lastSeconds: 30).p99Ms == 1234)

        // Past the last bound the bucket reaches up to the slowest request: 10 s + 99 % of 2 s.
        let slow = self.window()
        for _ in 0..<10 { slow.record(.seconds(12)) }
        #expect(slow.summary(lastSeconds: 30).p99Ms == 11_980)
    }

    @Test("a per-second series without gaps, oldest first, seconds without requests included")
    func series() {
        let window = window()
        window.record(.milliseconds(100))
        window.record(.milliseconds(300))
        time.advance(seconds: 2)
        window.record(.milliseconds(50))
        let series = window.series(lastSeconds: 4)
        #expect(series.map(\.count) == [0, 2, 0, 1])
        #expect(series.map(\.averageMs) == [nil, 200, nil, 50])
        #expect(zip(series, series.dropFirst()).allSatisfy { $1.time == $0.time + 1 })
        #expect(series.last?.time == Int64(time.date.timeIntervalSince1970))
    }

    @Test("memory is bounded: a ring of `capacity` seconds; an old slot is reset when its second comes round")
    func ring() {
        let window = window(capacity: 10)
        window.record(.milliseconds(100))
        time.advance(seconds: 10)  // the same slot as the first request
        window.record(.milliseconds(900))
        let summary = window.summary(lastSeconds: 60)
        #expect(summary.seconds == 10)
        #expect(summary.count == 1)
        #expect(summary.averageMs == 900)
        #expect(window.series(lastSeconds: 60).count == 10)
    }

    @Test("a long quiet spell leaves nothing behind")
    func quiet() {
        let window = window(capacity: 10)
        for _ in 0..<5 {
            window.record(.milliseconds(100))
            time.advance(seconds: 1)
        }
        time.advance(seconds: 3600)
        #expect(window.summary(lastSeconds: 10).count == 0)
        #expect(window.series(lastSeconds: 10).allSatisfy { $0.count == 0 })
    }

    @Test("a clock that steps back does not wipe newer seconds")
    func clockStepsBack() {
        let window = window(capacity: 10)
        window.record(.milliseconds(100))
        time.advance(seconds: -10)  // the same slot, an older second
        window.record(.milliseconds(900))
        time.advance(seconds: 10)
        let summary = window.summary(lastSeconds: 10)
        #expect(summary.count == 1)
        #expect(summary.averageMs == 100)
    }

    @Test("concurrent recording loses nothing")
    func concurrent() async {
        let window = window()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<1000 { window.record(.milliseconds(1)) }
                }
            }
        }
        #expect(window.summary(lastSeconds: 30).count == 8000)
    }
}

@Suite("LatencyAlert")
struct LatencyAlertTests {
    let time = ManualTime()

    @Test("ok with no requests; alert exactly when the 30 s average exceeds the threshold")
    func states() {
        let window = LatencyWindow { [time] in time.date }
        let alert = LatencyAlert(window: window, measured: "POST /orders")
        var report = alert.report(seriesSeconds: 10)
        #expect(report.state == .ok)
        #expect(report.count == 0)
        #expect(report.averageMs == nil)
        #expect(report.thresholdMs == 1000)
        #expect(report.windowSeconds == 30)
        #expect(report.series.count == 10)

        window.record(.milliseconds(1000))
        #expect(alert.report(seriesSeconds: 10).state == .ok, "exactly the threshold is not above it")

        window.record(.milliseconds(1100))
        report = alert.report(seriesSeconds: 10)
        #expect(report.state == .alert)
        #expect(report.averageMs == 1050)
        #expect(report.count == 2)

        window.record(.milliseconds(10))
        #expect(alert.report(seriesSeconds: 10).state == .ok, "(1000 + 1100 + 10) / 3 is under 1 s")
    }

    @Test("the alert clears by itself once the slow requests have left the window")
    func clears() {
        let window = LatencyWindow { [time] in time.date }
        let alert = LatencyAlert(window: window, measured: "POST /orders", threshold: .milliseconds(500))
        window.record(.seconds(2))
        #expect(alert.report(seriesSeconds: 1).state == .alert)
        time.advance(seconds: 29)
        #expect(alert.report(seriesSeconds: 1).state == .alert)
        time.advance(seconds: 1)
        #expect(alert.report(seriesSeconds: 1).state == .ok)
    }

    @Test("the report's JSON has the documented fields")
    func json() throws {
        let window = LatencyWindow { [time] in time.date }
        window.record(.milliseconds(1500))
        let report = LatencyAlert(window: window, measured: "POST /orders").report(seriesSeconds: 2)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(
            Set(object.keys)
                == [
                    "measured", "windowSeconds", "count", "averageMs", "p99Ms", "thresholdMs", "state", "seriesSeconds", "series",
                ])
        #expect(object["state"] as? String == "alert")
        let series = try #require(object["series"] as? [[String: Any]])
        #expect(series.count == 2)
        #expect(series.last?["count"] as? Int == 1)
    }
}
