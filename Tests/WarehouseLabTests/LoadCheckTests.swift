import Testing
import WarehouseKit
import WarehouseLab

/// The load checks must fail on a broken run: `.ci/run` relies on them to stop a bad build.
struct LoadCheckTests {
    func record(_ number: Int, id: String?, first: String?, final: String?, ms: Double = 20, status: Int = 201, delay: Int? = nil)
        -> OrderRecord
    {
        var record = OrderRecord(number: number, idempotencyKey: "k\(number)")
        record.orderId = id
        record.firstAnswer = first
        record.finalState = final
        record.gremlinDelayMilliseconds = delay
        record.attempts = [AttemptRecord(status: status, milliseconds: ms)]
        return record
    }

    func evaluate(_ records: [OrderRecord], final: [String: Int] = ["A": 8], expected: ExpectedGremlin = .none) -> [String: Bool]
    {
        let results = LoadCheck.evaluate(
            records: records,
            initialStock: ["A": 10],
            finalStock: final,
            shippedUnits: ["A": 2],
            expected: expected,
            answerBound: .milliseconds(2100)
        )
        return Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0.passed) })
    }

    @Test func aGoodRunPassesEveryCheck() {
        let results = evaluate([
            record(1, id: "o1", first: "shipped", final: "shipped"), record(2, id: "o2", first: "shipped", final: "shipped"),
        ])
        #expect(results.values.allSatisfy { $0 }, "\(results)")
    }

    @Test func aReportWithALateAnswerALostOrderAndDriftedStockFails() {
        let results = evaluate(
            [
                record(1, id: "o1", first: "shipped", final: "shipped", ms: 2500),
                record(2, id: nil, first: nil, final: nil, status: 0),
            ],
            final: ["A": 7]
        )
        #expect(results["every answer inside the deadline + slack"] == false)
        #expect(results["every order acknowledged (got an id)"] == false)
        #expect(results["no 5xx or transport errors"] == false)
        #expect(results["stock conservation per SKU"] == false)
    }

    @Test func anAffectedOrderThatNeverFinishedFails() {
        let results = evaluate([record(1, id: "o1", first: "pending", final: "pending")], expected: .everyNth(1))
        #expect(results["every affected order reached a final state"] == false)
    }

    @Test func anUnaffectedOrderThatDidNotShipAtOnceFails() {
        let results = evaluate([record(1, id: "o1", first: "rejected", final: "rejected")])
        #expect(results["every unaffected order shipped in its first answer"] == false)
    }

    @Test func theAffectedSetMustMatchThePrediction() {
        let seed: UInt64 = 3
        let ids = (0..<200).map { "order-\($0)" }
        let delayed = Set(ids.filter { StableHash.unit("gremlin:" + $0, seed: seed) < 0.2 })
        let honest = ids.enumerated().map { index, id in
            record(index + 1, id: id, first: delayed.contains(id) ? "pending" : "shipped", final: "shipped")
        }
        #expect(evaluate(honest, expected: .fraction(0.2, seed: seed))["affected orders are exactly the predicted ones"] == true)

        var wrong = honest
        let victim = wrong.firstIndex { $0.firstAnswer == "shipped" }!
        wrong[victim].firstAnswer = "pending"
        #expect(evaluate(wrong, expected: .fraction(0.2, seed: seed))["affected orders are exactly the predicted ones"] == false)
    }

    /// Under concurrency inventory counts keys in arrival order, not in the order they were planned: the
    /// prediction follows the ordinal inventory recorded for each order's key.
    @Test func everyNthPredictsExactlyTheOrdersWhoseKeysInventoryCountedNth() {
        let arrival: [Int64] = [3, 1, 2, 5, 4, 7, 6, 10, 9, 8]
        let honest = arrival.enumerated().map { index, ordinal in
            var record = record(index + 1, id: "o\(index + 1)", first: ordinal % 5 == 0 ? "pending" : "shipped", final: "shipped")
            record.deductionOrdinal = ordinal
            return record
        }
        let name = "affected orders are exactly the predicted ones"
        #expect(evaluate(honest, expected: .everyNth(5))[name] == true)
        #expect(evaluate(honest, expected: .everyNth(4))[name] == false)

        // As many affected as predicted, but the wrong ones: orders 4 and 5 swap their first answers.
        var swapped = honest
        swapped[3].firstAnswer = "shipped"
        swapped[4].firstAnswer = "pending"
        #expect(evaluate(swapped, expected: .everyNth(5))[name] == false)

        var uncounted = honest
        uncounted[0].deductionOrdinal = nil
        #expect(evaluate(uncounted, expected: .everyNth(5))[name] == false)
    }
}
