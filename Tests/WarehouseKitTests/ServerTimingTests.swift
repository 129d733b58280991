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
}
