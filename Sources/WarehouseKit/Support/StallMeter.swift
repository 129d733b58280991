import Foundation
import Synchronization

/// How long this process stood still: a thread of its own asks to sleep 10 ms over and over, and every
/// time it wakes much later than that, the extra is a stall (the scheduler gave the process no CPU: on
/// two cores shared by builds and test runs, runs of hundreds of milliseconds).
///
/// The thread is its own, not one of the runtime's: a service that blocks its event loops or its
/// tasks' threads with work of its own does not stall the meter, so a stall is the machine's doing,
/// never the design's. The services report the stalls of each answer's time in `Server-Timing`, and
/// the chaos experiment forgives an answer late by its deadline only by that much.
package final class StallMeter: Sendable {
    /// The sleep asked for, and the oversleep below which a wake-up counts as on time.
    package static let tick: Duration = .milliseconds(10)
    package static let noticeable: Duration = .milliseconds(20)

    /// This process's meter, running from its first use.
    package static let process: StallMeter = {
        let meter = StallMeter(keeping: .seconds(300))
        meter.start()
        return meter
    }()

    private struct State {
        var stalls: [DateInterval] = []
        var totalSeconds = 0.0
        /// The running thread's number; nil when stopped. A thread stopped and replaced before it woke
        /// sees another number and ends.
        var running: Int?
        var started = 0
    }

    private let state = Mutex(State())
    private let keeping: Duration?

    /// - Parameter keeping: how long a stall is remembered; nil for as long as the meter lives (an
    ///   experiment's run).
    package init(keeping: Duration? = nil) {
        self.keeping = keeping
    }

    /// Starts measuring, on a thread of its own, until `stop`.
    package func start() {
        let generation: Int? = state.withLock { state in
            guard state.running == nil else { return nil }
            state.started += 1
            state.running = state.started
            return state.started
        }
        guard let generation else { return }
        let thread = Thread { [self] in
            while state.withLock({ $0.running == generation }) {
                let asleep = Date()
                let before = ContinuousClock.now
                Thread.sleep(forTimeInterval: Self.tick.seconds)
                let over = ContinuousClock.now - before - Self.tick
                if over >= Self.noticeable {
                    note(DateInterval(start: asleep.addingTimeInterval(Self.tick.seconds), duration: over.seconds))
                }
            }
        }
        thread.name = "stall meter"
        thread.start()
    }

    /// Stops measuring (within one tick).
    package func stop() {
        state.withLock { $0.running = nil }
    }

    /// Records a stall (for tests, and for the thread).
    package func note(_ stall: DateInterval) {
        state.withLock { state in
            state.stalls.append(stall)
            state.totalSeconds += stall.duration
            if let keeping, let first = state.stalls.first, first.end < stall.end.addingTimeInterval(-keeping.seconds) {
                state.stalls.removeAll { $0.end < stall.end.addingTimeInterval(-keeping.seconds) }
            }
        }
    }

    /// The stalls remembered.
    package var seen: [DateInterval] { state.withLock { $0.stalls } }

    /// Every stall's time since the meter started, in seconds (`process_stalled_seconds_total`).
    package var totalSeconds: Double { state.withLock { $0.totalSeconds } }

    /// How long the process stood still within `window`, in milliseconds: the stalls are kept in the
    /// order they ended, so only those since the window began are looked at (none, mostly).
    package func milliseconds(stalledIn window: DateInterval) -> Double {
        state.withLock { state in
            var seconds = 0.0
            for stall in state.stalls.reversed() {
                guard stall.end > window.start else { break }
                seconds += stall.intersection(with: window)?.duration ?? 0
            }
            return seconds * 1000
        }
    }

    /// How long `stalls` cover of `window`, in milliseconds.
    package static func milliseconds(stalledIn window: DateInterval, of stalls: [DateInterval]) -> Double {
        stalls.reduce(0) { total, stall in total + (stall.intersection(with: window)?.duration ?? 0) * 1000 }
    }
}
