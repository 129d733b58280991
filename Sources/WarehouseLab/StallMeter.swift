import Foundation
import Synchronization

/// How long the machine stood still, as the lab's own process saw it: a task asks to sleep 10 ms over
/// and over, and every time it wakes much later than that, the extra is a stall (the scheduler gave
/// the process no CPU: on two cores shared by builds, runs of hundreds of milliseconds).
///
/// The chaos experiment holds the order service to its deadline by the service's own clock, and that
/// clock counts the time its process was not running too. A late answer is put down to the machine,
/// not to the design, only when the machine stood still, while the answer was on its way, for at least
/// as long as the answer was late: a design that waits past its deadline is late by the wait on any
/// machine.
package final class StallMeter: Sendable {
    /// The sleep asked for, and the oversleep below which a wake-up counts as on time.
    static let tick: Duration = .milliseconds(10)
    static let noticeable: Duration = .milliseconds(20)

    private let stalls = Mutex<[DateInterval]>([])

    package init() {}

    /// Measures until cancelled.
    package func run() async {
        while !Task.isCancelled {
            let asleep = Date()
            let started = ContinuousClock.now
            try? await Task.sleep(for: Self.tick)
            let over = ContinuousClock.now - started - Self.tick
            if over >= Self.noticeable {
                note(DateInterval(start: asleep.addingTimeInterval(Self.tick.milliseconds / 1000), duration: over.milliseconds / 1000))
            }
        }
    }

    /// Records a stall (for tests, and for `run`).
    package func note(_ stall: DateInterval) {
        stalls.withLock { $0.append(stall) }
    }

    /// The stalls seen so far.
    package var seen: [DateInterval] { stalls.withLock { $0 } }

    /// How long the machine stood still within `window`, in milliseconds.
    package static func milliseconds(stalledIn window: DateInterval, of stalls: [DateInterval]) -> Double {
        stalls.reduce(0) { total, stall in total + (stall.intersection(with: window)?.duration ?? 0) * 1000 }
    }
}
