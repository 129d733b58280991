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
