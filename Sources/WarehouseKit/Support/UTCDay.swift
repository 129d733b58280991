import Foundation

/// UTC calendar days: the backup vendor's unit of account (one upload per account per day) and the
/// buckets of backup retention.
package enum UTCDay {
    /// The Gregorian calendar in UTC.
    package static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `2026-12-03`: the UTC day of `date`.
    package static func name(of date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// The first instant of the UTC day after `date`'s.
    package static func startOfNextDay(after date: Date) -> Date {
        calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: date))!
    }

    /// Whole seconds from `date` to the next UTC day, at least 1: a `Retry-After` that is never "now".
    package static func secondsUntilNextDay(from date: Date) -> Int {
        max(1, Int(startOfNextDay(after: date).timeIntervalSince(date).rounded(.up)))
    }
}
