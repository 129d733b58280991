import Foundation
import Testing
import WarehouseKit

struct ISO8601FormatStyleTranscoderTests {
    let transcoder = ISO8601FormatStyleTranscoder()

    @Test func writesMillisecondsInUTCAndReadsThemBack() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.125)
        let text = try transcoder.encode(date)
        #expect(text == "2026-11-18T11:06:40.125Z")
        #expect(abs(try transcoder.decode(text).timeIntervalSince(date)) < 0.001)
    }

    @Test func readsDatesWithoutFractionalSeconds() throws {
        #expect(try transcoder.decode("2026-11-18T11:06:40Z") == Date(timeIntervalSince1970: 1_795_000_000))
    }

    @Test func refusesWhatIsNotADate() {
        #expect(throws: (any Error).self) { try transcoder.decode("yesterday") }
    }
}

extension ISO8601FormatStyleTranscoderTests {
    /// A date read back from storage (rounded to the millisecond) must print as the fresh one did.
    @Test func roundsToTheMillisecondSoFreshAndStoredDatesAgree() throws {
        let fresh = Date(timeIntervalSince1970: 1_795_000_000.781_9)
        let stored = Date(timeIntervalSince1970: 1_795_000_000.782)
        #expect(try transcoder.encode(fresh) == "2026-11-18T11:06:40.782Z")
        #expect(try transcoder.encode(stored) == "2026-11-18T11:06:40.782Z")
        #expect(try transcoder.encode(Date(timeIntervalSince1970: -0.25)) == "1969-12-31T23:59:59.750Z")
    }
}
