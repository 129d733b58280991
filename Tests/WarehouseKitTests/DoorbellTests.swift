import Testing
import WarehouseKit

@Suite("Doorbell", .timeLimit(.minutes(1)))
struct DoorbellTests {
    let clock = ContinuousClock()

    @Test("a ring before the wait is remembered")
    func ringBeforeWait() async {
        let bell = Doorbell()
        bell.ring()
        let elapsed = await clock.measure { await bell.wait(atMost: .seconds(3600)) }
        #expect(elapsed < .seconds(10))
    }

    @Test("a ring from another task ends the wait")
    func ringFromAnotherTask() async {
        let bell = Doorbell()
        let clock = self.clock
        let waiter = Task { await clock.measure { await bell.wait(atMost: .seconds(3600)) } }
        bell.ring()
        #expect(await waiter.value < .seconds(10))
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
        let clock = self.clock
        let waiter = Task { await clock.measure { await bell.wait(atMost: .seconds(3600)) } }
        waiter.cancel()
        #expect(await waiter.value < .seconds(10))
    }
}
