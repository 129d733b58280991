import Foundation
import Logging

/// A publisher's feed: pages of its events after a position, waiting for the next commit when there is
/// nothing new yet (long poll).
///
/// The wait is the `CommitSignal` the publisher's writer signals after each commit, so a reader learns
/// of a new event as soon as it commits, and nothing asks the database while nothing happens.
package struct EventFeed: Sendable {
    /// The CloudEvents `source` of every event of this feed, such as `/warehouse/order`.
    package let source: String
    package let store: any EventStore
    package let signal: CommitSignal

    package static let limits = 1...500
    package static let defaultLimit = 100
    /// The longest a read may wait for an event, in milliseconds.
    package static let waitLimits = 0...30_000

    package init(source: String, store: any EventStore, signal: CommitSignal) {
        self.source = source
        self.store = store
        self.signal = signal
    }

    /// Up to `limit` events after `position` (after the oldest kept when nil), at once if there are
    /// any; otherwise the first ones committed within `wait`, or none when `wait` passes (or the reader
    /// goes away) without one.
    ///
    /// - Throws: `EventFeedError` when `position` is older than what the feed keeps, or ahead of it.
    package func page(after position: Int64?, limit: Int, wait: Duration = .zero) async throws -> EventPage {
        let deadline = ContinuousClock.now + wait
        while true {
            let seen = signal.generation
            switch try await store.read(after: position, limit: limit) {
            case .pruned(let asked, let prunedThrough):
                throw EventFeedError.pruned(after: asked, prunedThrough: prunedThrough)
            case .ahead(let asked, let latest):
                throw EventFeedError.ahead(after: asked, latest: latest)
            case .events(let events, let asked, let latest):
                if !events.isEmpty || ContinuousClock.now >= deadline || Task.isCancelled {
                    return EventPage(source: source, events: events, after: asked, latest: latest)
                }
            }
            await signal.wait(after: seen, until: deadline)
        }
    }
}

extension EventFeed {
    /// The service that keeps this feed within `retention`.
    package func pruner(retention: Duration, logger: Logger) -> EventPruner {
        EventPruner(store: store, retention: retention, logger: logger)
    }
}

/// One answer of `GET /events`.
package struct EventPage: Sendable, Equatable {
    package var source: String
    package var events: [StoredEvent]
    /// The position to ask after next time: the last event's, or the one asked after when there was none.
    package var next: Int64
    /// The newest position of the feed when it was read: `latest - next` events remain to be read.
    package var latest: Int64

    package init(source: String, events: [StoredEvent], after position: Int64, latest: Int64) {
        self.source = source
        self.events = events
        self.next = events.last?.position ?? position
        self.latest = latest
    }

    /// `{"events":[…],"latest":…,"next":…}`, each event a CloudEvents 1.0 JSON envelope plus `position`,
    /// keys sorted as every answer here. Written by hand: `data` is stored as JSON already, and a page of
    /// 500 events through `JSONEncoder` would decode and encode it again for nothing.
    package var json: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + events.reduce(0) { $0 + $1.data.utf8.count + 320 })
        bytes += Array(#"{"events":["#.utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += Array(#"{"data":"#.utf8)
            bytes += Array(event.data.utf8)
            bytes += Array(#","datacontenttype":"application/json","id":"#.utf8)
            JSONText.appendString(event.id, to: &bytes)
            bytes += Array(#","position":"#.utf8)
            bytes += Array(String(event.position).utf8)
            bytes += Array(#","source":"#.utf8)
            JSONText.appendString(source, to: &bytes)
            bytes += Array(#","specversion":"1.0","subject":"#.utf8)
            JSONText.appendString(event.subject, to: &bytes)
            bytes += Array(#","time":"#.utf8)
            JSONText.appendString(event.time, to: &bytes)
            bytes += Array(#","type":"#.utf8)
            JSONText.appendString(event.type, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes += Array(#"],"latest":"#.utf8)
        bytes += Array(String(latest).utf8)
        bytes += Array(#","next":"#.utf8)
        bytes += Array(String(next).utf8)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}

/// A position the feed cannot continue from.
package enum EventFeedError: HTTPProblemError, Equatable {
    /// Events after `after` were pruned (retention): reading on would skip them silently.
    case pruned(after: Int64, prunedThrough: Int64)
    /// `after` is later than any position given out: the publisher's data is not the one read before.
    case ahead(after: Int64, latest: Int64)

    package var problem: Problem {
        switch self {
        case .pruned(let after, let prunedThrough):
            Problem(
                title: "Events no longer kept",
                status: 410,
                detail: "Events after position \(after) up to \(prunedThrough) were pruned (retention); this feed now "
                    + "starts after position \(prunedThrough). A reader that resumes there misses them: rebuild its "
                    + "state from the service's API first."
            )
        case .ahead(let after, let latest):
            Problem(
                title: "Position ahead of the feed",
                status: 409,
                detail: "Position \(after) was never given out: the newest is \(latest). The publisher's database is "
                    + "not the one this position was read from; a reader must start again from 0."
            )
        }
    }
}
