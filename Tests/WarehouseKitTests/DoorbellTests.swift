import Testing
import WarehouseKit

/// A wait that the bell should end is given an hour, so a lost ring shows as the suite's time limit, not as
/// a bound on elapsed time that a starved machine could exceed by itself.
@Suite("Doorbell", .timeLimit(.minutes(5)))
struct DoorbellTests {
    let clock = ContinuousClock()

    @Test("a ring before the wait is remembered")
    func ringBeforeWait() async {
        let bell = Doorbell()
        bell.ring()
        await bell.wait(atMost: .seconds(3600))
    }

    @Test("a ring from another task ends the wait")
    func ringFromAnotherTask() async {
        let bell = Doorbell()
        let waiter = Task { await bell.wait(atMost: .seconds(3600)) }
        bell.ring()
        await waiter.value
    }

    @Test("without a ring the wait lasts its timeout")
    func timesOut() async {
        let bell = Doorbell()
        let elapsed = await clock.measure { await bell.wait(atMost: .milliseconds(50)) }
        #expect(elapsed >= .milliseconds(50))
    }

    @Test("a remembered ring is used up by one wait")
    func ringIsConsumedOnce() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()  // rings while nobody waits coalesce
        await bell.wait(atMost: .seconds(3600))
        let second = await clock.measure { await bell.wait(atMost: .milliseconds(50)) }
        #expect(second >= .milliseconds(50))
    }

    @Test("cancelling the waiting task ends the wait")
    func cancellation() async {
        let bell = Doorbell()
        let waiter = Task { await bell.wait(atMost: .seconds(3600)) }
        waiter.cancel()
        await waiter.value
    }
}
