import Testing
import WarehouseLab

/// The checker must catch every way a run can go wrong; a checker that cannot fail proves nothing.
struct InvariantCheckTests {
    let initial = ["A": 10, "B": 5]

    func order(_ id: String, customer: String, status: String, _ lines: [(String, Int)]) -> Contract.Order {
        Contract.Order(
            id: id, customerId: customer, items: lines.map { Contract.Line(sku: $0.0, quantity: $0.1) },
            status: status, message: "", reason: nil
        )
    }

    func record(_ number: Int, id: String?, attempts: [(Int, Double)] = [(201, 5)]) -> OrderRecord {
        var record = OrderRecord(number: number, idempotencyKey: "k\(number)")
        record.orderId = id
        record.attempts = attempts.map { AttemptRecord(status: $0.0, milliseconds: $0.1) }
        return record
    }

    func check(_ records: [OrderRecord], final: [String: Int], orders: [Contract.Order]) -> RunFigures {
        InvariantCheck.evaluate(
            records: records,
            final: FinalState(initialStock: initial, finalStock: final, orders: orders),
            answerBound: .milliseconds(2100),
            latency: LatencyPercentiles()
        )
    }

    @Test func aCleanRunHasNoViolations() {
        let figures = check(
            [record(1, id: "o1"), record(2, id: "o2")],
            final: ["A": 8, "B": 5],
            orders: [
                order("o1", customer: "c1", status: "shipped", [("A", 2)]),
                order("o2", customer: "c2", status: "rejected", [("B", 9)]),
            ]
        )
        #expect(figures.violations.isEmpty, "\(figures.violations)")
        #expect(figures.acknowledged == 2)
        #expect(figures.shipped == 1)
    }

    @Test func anAcknowledgedOrderMissingFromTheServiceIsLost() {
        let figures = check([record(1, id: "o1")], final: ["A": 10, "B": 5], orders: [])
        #expect(figures.lost == 1)
        #expect(!figures.violations.isEmpty)
    }

    @Test func stockDeductedForARejectedOrderIsADoubleDeductionAndDrift() {
        let figures = check(
            [record(1, id: "o1")],
            final: ["A": 7, "B": 5],
            orders: [order("o1", customer: "c1", status: "rejected", [("A", 3)])]
        )
        #expect(figures.doubleDeductedUnits == 3)
        #expect(figures.stockDrift == 3)
    }

    @Test func shippingMoreThanTheStockIsAnOversell() {
        let figures = check(
            [record(1, id: "o1"), record(2, id: "o2")],
            final: ["A": 4, "B": 5],
            orders: [
                order("o1", customer: "c1", status: "shipped", [("A", 6)]),
                order("o2", customer: "c2", status: "shipped", [("A", 6)]),
            ]
        )
        #expect(figures.oversoldUnits == 2)
        #expect(figures.stockDrift == 6)
    }

    @Test func twoOrdersForOnePurchaseAreADuplicate() {
        let figures = check(
            [record(1, id: "o2")],
            final: ["A": 8, "B": 5],
            orders: [
                order("o1", customer: "c1", status: "shipped", [("A", 1)]),
                order("o2", customer: "c1", status: "shipped", [("A", 1)]),
            ]
        )
        #expect(figures.duplicateOrders == 1)
    }

    @Test func aPendingOrderAndALateAnswerAreCaught() {
        let figures = check(
            [record(1, id: "o1", attempts: [(0, 3), (500, 10), (202, 2500)])],
            final: ["A": 10, "B": 5],
            orders: [order("o1", customer: "c1", status: "pending", [("A", 1)])]
        )
        #expect(figures.stuckPending == 1)
        #expect(figures.lateAnswers == 1)
        #expect(figures.userVisibleErrors == 2)
    }

    @Test func aLateAnswerIsNamedByItsOrderTryAndRequestID() {
        var record = record(4, id: "o4", attempts: [(0, 3), (202, 2101), (202, 2100)])
        record.attempts[1].requestID = "lab-4-2"
        #expect(
            InvariantCheck.lateAnswers(records: [record], bound: .milliseconds(2100))
                == [LateAnswer(order: 4, attempt: 2, status: 202, milliseconds: 2101, requestID: "lab-4-2", sentAt: nil)])
    }

    @Test func lateAnswersWithinTheToleranceBreakNothingAndMoreDo() {
        // 100 answers, a 2% tolerance: two late answers are a starved scheduler, three are not.
        func figures(late: Int) -> RunFigures {
            let records = (0..<100).map { number in
                record(number, id: "o\(number)", attempts: [(201, number < late ? 2500 : 5)])
            }
            return InvariantCheck.evaluate(
                records: records,
                final: FinalState(initialStock: [:], finalStock: [:], orders: []),
                answerBound: .milliseconds(2100), lateTolerance: 0.02, latency: LatencyPercentiles())
        }
        #expect(figures(late: 2).lateAnswersTolerated == 2)
        #expect(!figures(late: 2).violations.contains { $0.contains("later than the deadline") })
        #expect(figures(late: 3).violations.contains("3 answers later than the deadline (2 tolerated)"))
        #expect(check([record(1, id: "o1", attempts: [(201, 2500)])], final: initial, orders: []).lateAnswersTolerated == 0)
    }
}
