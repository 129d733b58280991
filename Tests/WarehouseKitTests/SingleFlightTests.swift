import Synchronization
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("SingleFlight", .timeLimit(.minutes(5)))
struct SingleFlightTests {
    @Test("callers arriving while an operation runs share its result instead of running their own")
    func sharesOneRun() async {
        let flight = SingleFlight<Int>()
        let gate = Gate()
        let started = Gate()
        let arrived = Counter()
        let results = await withTaskGroup(of: Int.self) { group in
            group.addTask {
                await flight.run {
                    started.open()
                    await gate.wait()
                    return 42
                }
            }
            await started.wait()
            for _ in 0..<5 {
                group.addTask {
                    arrived.increment()
                    return await flight.run {
                        // Runs only for a caller that came after the first run ended, when the gate is open.
                        if !gate.isOpen { Issue.record("a second operation ran while the first was in flight") }
                        return -1
                    }
                }
            }
            while arrived.value < 5 { await Task.yield() }
            gate.open()
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 6)
        #expect(results.contains(42))
    }

    @Test("after a run has ended, the next caller starts a new one")
    func runsAgain() async {
        let flight = SingleFlight<Int>()
        #expect(await flight.run { 1 } == 1)
        #expect(await flight.run { 2 } == 2)
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
