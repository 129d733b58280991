import Testing
import WarehouseKit

struct BulkheadTests {
    @Test func refusesAtOnceWhenFullAndFreesTheSlotAfterwards() async throws {
        let bulkhead = Bulkhead(limit: 1)
        let gate = AsyncStream<Void>.makeStream()
        let entered = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await bulkhead.run {
                entered.continuation.yield()
                for await _ in gate.stream { break }
            }
        }
        for await _ in entered.stream { break }
        #expect(bulkhead.callsInFlight == 1)
        await #expect(throws: BulkheadFull(limit: 1)) { try await bulkhead.run { 1 } }

        gate.continuation.yield()
        try await holder.value
        #expect(bulkhead.callsInFlight == 0)
        #expect(try await bulkhead.run { 42 } == 42)
    }
}
