import Foundation
import Synchronization

/// How far this service is behind the order feed, as its follower last saw it: events committed there
/// and not yet applied here, and how old the oldest of them may be.
package final class FeedLag: Sendable {
    package struct Snapshot: Sendable, Equatable {
        /// Events not yet read: the feed's newest position minus ours.
        package var events: Int64
        /// How old the oldest unread event may be, in seconds: 0 when caught up, else the age of the
        /// newest event applied (the unread ones are younger), or the time since the feed last answered.
        package var seconds: Double
        /// Why the feed cannot be read right now, when it cannot.
        package var problem: String?

        package init(events: Int64, seconds: Double, problem: String?) {
            self.events = events
            self.seconds = seconds
            self.problem = problem
        }
    }

    private struct State {
        var position: Int64 = 0
        var latest: Int64 = 0
        var newestApplied: Date?
        var lastAnswer: Date?
        var problem: String?
    }

    private let state = Mutex(State())
    private let startedAt: Date
    /// A feed that has not answered for this long is treated as unreachable, even without an error yet.
    package let silenceLimit: Duration

    package init(startedAt: Date = Date(), silenceLimit: Duration = .seconds(45)) {
        self.startedAt = startedAt
        self.silenceLimit = silenceLimit
    }

    /// A page was applied: the cursor is now `position`, the feed's newest `latest`.
    package func applied(position: Int64, latest: Int64, newestEventTime: Date?, at now: Date = Date()) {
        state.withLock { state in
            state.position = position
            state.latest = max(latest, position)
            if let newestEventTime { state.newestApplied = newestEventTime }
            state.lastAnswer = now
            state.problem = nil
        }
    }

    /// The feed could not be read or applied.
    package func failed(_ problem: String) {
        state.withLock { $0.problem = problem }
    }

    package func snapshot(at now: Date = Date()) -> Snapshot {
        state.withLock { state in
            let events = max(0, state.latest - state.position)
            let sinceAnswer = now.timeIntervalSince(state.lastAnswer ?? startedAt)
            var seconds = 0.0
            if events > 0 { seconds = max(0, now.timeIntervalSince(state.newestApplied ?? state.lastAnswer ?? startedAt)) }
            var problem = state.problem
            if sinceAnswer > silenceLimit.seconds {
                seconds = max(seconds, sinceAnswer)
                problem = problem ?? "no answer for \(Int(sinceAnswer)) s"
            }
            return Snapshot(events: events, seconds: seconds, problem: problem)
        }
    }
}
