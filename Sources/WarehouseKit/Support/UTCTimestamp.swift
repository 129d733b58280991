import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Dates as text, in UTC to the nearest millisecond, without a calendar or a formatter.
///
/// Logs, JSON bodies and SQLite rows all carry dates as text. Through `DateFormatter` (GRDB's default for
/// `Date` columns) and format styles this was a few percent of each service's CPU under load (perf,
/// issue 6); `gmtime_r` and a few digits are all it takes. Every form rounds the same way, so a date
/// reads the same in an answer, a row and a log line.
package enum UTCTimestamp {
    /// `2026-11-25T13:34:11.123Z`: ISO 8601, as in JSON bodies and logs.
    package static func iso8601(_ date: Date) -> String {
        format(date, between: "T", suffix: "Z")
    }

    /// `2026-11-25 13:34:11.123`: what GRDB stores for a `Date` and SQLite's date functions read.
    package static func sqlite(_ date: Date) -> String {
        format(date, between: " ", suffix: "")
    }

    /// Reads what `sqlite` (or `iso8601`) wrote back into the same date: how rows of a backend that keeps
    /// dates as text are read (PostgreSQL here, so both backends store and compare dates alike).
    package static func date(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var milliseconds = 0
        if bytes.count >= 23, bytes[19] == UInt8(ascii: "."), let fraction = number(20..<23) { milliseconds = fraction }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        return Date(timeIntervalSince1970: (Double(Int64(seconds) * 1000 + Int64(milliseconds))) / 1000)
    }

    private static func format(_ date: Date, between separator: Character, suffix: String) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        if fraction < 0 {
            seconds -= 1
            fraction += 1000
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var text = ""
        text.reserveCapacity(24)
        func append(_ value: Int, digits: Int) {
            let decimal = String(value)
            if decimal.count < digits { text += String(repeating: "0", count: digits - decimal.count) }
            text += decimal
        }
        append(Int(parts.tm_year) + 1900, digits: 4)
        text += "-"
        append(Int(parts.tm_mon) + 1, digits: 2)
        text += "-"
        append(Int(parts.tm_mday), digits: 2)
        text.append(separator)
        append(Int(parts.tm_hour), digits: 2)
        text += ":"
        append(Int(parts.tm_min), digits: 2)
        text += ":"
        append(Int(parts.tm_sec), digits: 2)
        text += "."
        append(Int(fraction), digits: 3)
        text += suffix
        return text
    }
}
