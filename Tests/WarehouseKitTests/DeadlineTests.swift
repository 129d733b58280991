import Testing
import WarehouseKit
import WarehouseTestSupport

private struct Boom: Error, Equatable {}

@Suite("withDeadline", .timeLimit(.minutes(5)))
struct DeadlineTests {
    @Test("returns the operation's value when it is fast")
    func returnsValue() async throws {
        let value = try await withDeadline(.now + .seconds(30)) { 42 }
        #expect(value == 42)
    }

    @Test("passes the operation's own error through")
    func rethrowsOperationError() async {
        await #expect(throws: Boom()) {
            try await withDeadline(.now + .seconds(30)) { () async throws -> Int in throw Boom() }
        }
    }

    @Test("throws DeadlineExceeded on time even when the operation ignores cancellation")
    func deadlineWithStubbornOperation() async throws {
        let release = Gate()
        let finished = Gate()
        await #expect(throws: DeadlineExceeded()) {
            try await withDeadline(.now + .milliseconds(100)) {
                await release.wait()  // not cancellable: only `release.open()` ends it
                finished.open()
                return 1
            }
        }
        // Returning at all is the proof: the operation cannot have finished, it is still parked on the
        // gate. (No bound on the elapsed time: on a starved machine this task itself may wait seconds
        // for a thread, which says nothing about `withDeadline`.)
        #expect(!finished.isOpen)
        // Let the abandoned operation end so nothing outlives the test.
        release.open()
        await finished.wait()
    }

    @Test("cancels the operation when the deadline passes")
    func cancelsTheOperation() async {
        let sawCancellation = Gate()
        await #expect(throws: DeadlineExceeded()) {
            try await withDeadline(.now + .milliseconds(50)) { () async throws -> Int in
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch is CancellationError {
                    sawCancellation.open()
                    throw CancellationError()
                }
                return 1
            }
        }
        await sawCancellation.wait()
    }

    @Test("a deadline already past throws at once")
    func pastDeadline() async {
        let release = Gate()
        await #expect(throws: DeadlineExceeded()) {
            try await withDeadline(.now - .seconds(1)) {
                await release.wait()
                return 1
            }
        }
        release.open()
    }

    @Test("cancelling the caller throws CancellationError without waiting for the operation")
    func callerCancelled() async {
        let release = Gate()
        let task = Task {
            try await withDeadline(.now + .seconds(3600)) {
                await release.wait()
                return 1
            }
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        release.open()
    }

    @Test("many concurrent calls each get their own answer")
    func concurrentCalls() async throws {
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask { try await withDeadline(.now + .seconds(30)) { index } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values.sorted() == Array(0..<200))
    }
}
