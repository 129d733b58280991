import Testing
import WarehouseLab

/// "Stuck pending" judged by progress: a backlog that keeps shrinking is not stuck, however slowly.
struct BacklogProgressTests {
    let start = ContinuousClock.now

    @Test func aBacklogThatKeepsShrinkingIsNeverStalled() {
        var progress = BacklogProgress()
        // One order settled every 20 s, for ten minutes: slow, never stuck at a 30 s stall limit.
        for step in 0..<30 {
            let now = start + .seconds(20 * step)
            progress.note(300 - step, at: now)
            #expect(!progress.stalled(for: .seconds(30), at: now + .seconds(19)))
        }
    }

    @Test func aBacklogThatStopsShrinkingStallsAfterTheSpan() {
        var progress = BacklogProgress()
        progress.note(12, at: start)
        progress.note(5, at: start + .seconds(1))
        // The same size again, or a bigger one (a read that saw an order not yet settled), is no progress.
        progress.note(5, at: start + .seconds(20))
        progress.note(7, at: start + .seconds(25))
        #expect(!progress.stalled(for: .seconds(30), at: start + .seconds(30)))
        #expect(progress.stalled(for: .seconds(30), at: start + .seconds(31)))
        #expect(progress.smallest == 5)
    }

    @Test func withoutASpanNothingStalls() {
        var progress = BacklogProgress()
        progress.note(1, at: start)
        #expect(!progress.stalled(for: nil, at: start + .seconds(3600)))
    }
}
