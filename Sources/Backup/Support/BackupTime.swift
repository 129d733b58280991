import Foundation
import WarehouseKit

/// Instants as the backup commands read and write them: ISO 8601 in UTC, and the UTC day an instant
/// falls on (the vendor's unit of account).
package enum BackupTime {
    /// `2026-12-03T10:15:00Z` or `2026-12-03T10:15:00.123Z` (any offset ISO 8601 allows).
    package static func parse(_ text: String) -> Date? {
        try? ISO8601FormatStyleTranscoder().decode(text)
    }

    /// `2026-12-03`: the UTC day of `date`.
    package static func day(of date: Date) -> String { UTCDay.name(of: date) }

    /// The first instant of the UTC day after `date`'s.
    package static func startOfNextDay(after date: Date) -> Date { UTCDay.startOfNextDay(after: date) }
}
