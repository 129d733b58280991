import Testing
import WarehouseKit

/// The service's own time on every answer, read back the way the chaos experiment reads it.
struct ServerTimingTests {
    @Test func theTotalIsWrittenInMillisecondsAndReadBack() {
        let value = ServerTiming.value(total: .milliseconds(1904) + .microseconds(260))
        #expect(value == "total;dur=1904.3")
        #expect(ServerTiming.totalMilliseconds(in: value) == 1904.3)
    }

    @Test func theTotalIsFoundAmongOtherMetricsAndAbsentWhenNoneIsGiven() {
        #expect(ServerTiming.totalMilliseconds(in: "db;dur=3, total;desc=\"all\";dur=12.5") == 12.5)
        #expect(ServerTiming.totalMilliseconds(in: "db;dur=3") == nil)
        #expect(ServerTiming.totalMilliseconds(in: "total") == nil)
    }

    @Test func aStallIsWrittenBesideTheTotalOnlyWhenThereWasOne() {
        let stalled = ServerTiming.value(total: .milliseconds(2150), stall: .milliseconds(140))
        #expect(stalled == "total;dur=2150.0, stall;dur=140.0")
        #expect(ServerTiming.totalMilliseconds(in: stalled) == 2150)
        #expect(ServerTiming.stallMilliseconds(in: stalled) == 140)
        let steady = ServerTiming.value(total: .milliseconds(12))
        #expect(steady == "total;dur=12.0")
        #expect(ServerTiming.stallMilliseconds(in: steady) == 0)
        #expect(ServerTiming.stallMilliseconds(in: "db;dur=3") == nil)
    }
}
