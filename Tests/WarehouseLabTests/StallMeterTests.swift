import Foundation
import Testing
import WarehouseLab

/// The machine's stalls as the chaos experiment sums them over an answer's time on the way.
struct StallMeterTests {
    let origin = Date(timeIntervalSince1970: 0)

    @Test func onlyThePartOfAStallInsideTheWindowCounts() {
        let meter = StallMeter()
        meter.note(DateInterval(start: origin, duration: 1))
        meter.note(DateInterval(start: origin.addingTimeInterval(3), duration: 0.25))
        let window = DateInterval(start: origin.addingTimeInterval(0.5), duration: 3)
        #expect(StallMeter.milliseconds(stalledIn: window, of: meter.seen) == 750)
        #expect(StallMeter.milliseconds(stalledIn: DateInterval(start: origin.addingTimeInterval(10), duration: 1), of: meter.seen) == 0)
    }

    @Test func aRunningMeterStopsWhenCancelled() async {
        let meter = StallMeter()
        let running = Task { await meter.run() }
        running.cancel()
        await running.value
    }
}
