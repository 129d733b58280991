import Foundation

/// An event as the feed reads it back: what the publisher wrote, and where it sits in the feed.
package struct StoredEvent: Sendable, Equatable {
    /// Its place in the feed: 1, 2, 3, … in the order the changes committed, without gaps.
    package var position: Int64
    package var id: String
    package var type: String
    package var subject: String
    /// ISO 8601 with milliseconds, as written (`UTCTimestamp.iso8601`).
    package var time: String
    /// JSON text.
    package var data: String

    package init(position: Int64, id: String, type: String, subject: String, time: String, data: String) {
        self.position = position
        self.id = id
        self.type = type
        self.subject = subject
        self.time = time
        self.data = data
    }
}

/// What a read of the feed found, each with the position read after (the one asked for, or the oldest
/// kept when none was).
package enum EventRead: Sendable, Equatable {
    /// The events after `after` (perhaps none), and the newest position there is.
    case events([StoredEvent], after: Int64, latest: Int64)
    /// Events after `after` were pruned: the feed keeps only those after `prunedThrough`.
    case pruned(after: Int64, prunedThrough: Int64)
    /// `after` is later than any position the feed has given out (its database was replaced).
    case ahead(after: Int64, latest: Int64)
}

/// Where a publisher's events are kept: written by the publisher's own transactions (see
/// `SQLiteEventOutbox.append`), read here by the feed. `SQLiteEventStore` is the SQLite implementation.
package protocol EventStore: Sendable {
    /// At most `limit` events after `position`, oldest first; after the oldest kept when `position` is nil.
    func read(after position: Int64?, limit: Int) async throws -> EventRead
    /// Deletes at most `limit` of the oldest events written before `cutoff`, never one that has an
    /// older event kept after it, and records how far the feed was pruned.
    ///
    /// - Returns: how many events were deleted.
    func prune(writtenBefore cutoff: Date, limit: Int) async throws -> Int
}
