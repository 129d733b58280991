import Foundation
import Testing
import WarehouseKit

@Suite("UTCTimestamp")
struct UTCTimestampTests {
    @Test("UTC to the nearest millisecond, before and after 1970, in both forms")
    func timestamps() {
        #expect(UTCTimestamp.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.iso8601(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(UTCTimestamp.iso8601(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(UTCTimestamp.iso8601(Date(timeIntervalSince1970: 253_402_300_799.999)) == "9999-12-31T23:59:59.999Z")
        #expect(UTCTimestamp.sqlite(Date(timeIntervalSince1970: 1_764_077_651.999_6)) == "2025-11-25 13:34:12.000")
    }
}
