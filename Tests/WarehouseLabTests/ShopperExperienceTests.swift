import Foundation
import Testing
import WarehouseLab

/// What shoppers got, from the client's records and the orders at the end.
struct ShopperExperienceTests {
    let placed = Date(timeIntervalSince1970: 1_800_000_000)

    func record(_ number: Int, _ kind: AnswerKind, status: Int, milliseconds: Double, id: String?) -> OrderRecord {
        var record = OrderRecord(number: number, idempotencyKey: "k\(number)")
        record.placedAt = placed
        record.firstReply = kind
        record.attempts = [AttemptRecord(status: status, milliseconds: milliseconds)]
        record.orderId = id
        return record
    }

    func order(_ id: String, _ status: String, finalAfter seconds: Double) -> Contract.Order {
        Contract.Order(
            id: id, customerId: "c", items: [], status: status, message: "", reason: nil, createdAt: placed,
            updatedAt: placed.addingTimeInterval(seconds))
    }

    @Test func firstAnswersAreCountedAndTimedByKind() {
        let experience = ShopperExperience.evaluate(
            records: [
                record(1, .shipped, status: 201, milliseconds: 40, id: "o1"),
                record(2, .pending, status: 202, milliseconds: 2, id: "o2"),
                record(3, .pending, status: 202, milliseconds: 1900, id: "o3"),
                record(4, .error, status: 500, milliseconds: 30, id: "o4"),
                record(5, .rejected, status: 409, milliseconds: 20, id: "o5"),
            ],
            orders: [
                order("o1", "shipped", finalAfter: 0.04), order("o2", "shipped", finalAfter: 5), order("o3", "pending", finalAfter: 1),
                order("o4", "shipped", finalAfter: 0.03), order("o5", "rejected", finalAfter: 0.02),
            ]
        )
        #expect(experience.orders == 5)
        #expect(experience.definite == 2)
        #expect(experience.definiteShare == 0.4)
        #expect(experience.pending.count == 2)
        #expect(experience.pending.latency.max >= 1899)
        #expect(experience.shipped.latency.max < 41)
        #expect(experience.error.count == 1)
        // o3 never reached a final state.
        #expect(experience.unfinished == 1)
        #expect(experience.placementToFinal.count == 4)
        #expect(experience.placementToFinal.max >= 4999)
    }
}
