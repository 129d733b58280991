import Foundation
import Prometheus
import Testing
import WarehouseKit

/// The process's stalls, as the services put them in `Server-Timing` and the chaos experiment sums them
/// over an answer's time on the way.
struct StallMeterTests {
    let origin = Date(timeIntervalSince1970: 0)

    @Test func onlyThePartOfAStallInsideTheWindowCounts() {
        let meter = StallMeter()
        meter.note(DateInterval(start: origin, duration: 1))
        meter.note(DateInterval(start: origin.addingTimeInterval(3), duration: 0.25))
        let window = DateInterval(start: origin.addingTimeInterval(0.5), duration: 3)
        #expect(StallMeter.milliseconds(stalledIn: window, of: meter.seen) == 750)
        #expect(meter.milliseconds(stalledIn: window) == 750)
        #expect(meter.milliseconds(stalledIn: DateInterval(start: origin.addingTimeInterval(10), duration: 1)) == 0)
        #expect(meter.totalSeconds == 1.25)
    }

    @Test func aServiceRemembersStallsForAWhileAndCountsThemAll() {
        let meter = StallMeter(keeping: .seconds(60))
        meter.note(DateInterval(start: origin, duration: 1))
        meter.note(DateInterval(start: origin.addingTimeInterval(100), duration: 0.5))
        #expect(meter.seen == [DateInterval(start: origin.addingTimeInterval(100), duration: 0.5)])
        #expect(meter.totalSeconds == 1.5)
    }

    @Test func metricsCountEveryStallOnceHoweverOftenTheyAreRead() {
        let meter = StallMeter()
        let registry = PrometheusCollectorRegistry()
        let counter = StallCounter(registry: registry, meter: meter)
        func exposed() -> String {
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
        meter.note(DateInterval(start: origin, duration: 1.5))
        counter.update()
        counter.update()
        #expect(exposed().contains("process_stalled_seconds_total 1.5\n"), "\(exposed())")
        meter.note(DateInterval(start: origin.addingTimeInterval(5), duration: 0.25))
        counter.update()
        #expect(exposed().contains("process_stalled_seconds_total 1.75\n"), "\(exposed())")
    }
}
