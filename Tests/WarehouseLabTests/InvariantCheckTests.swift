import Foundation
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

    @Test func aLateAnswerIsNamedByItsOrderTryAndRequestIDAndWhetherItBrokeTheDeadline() {
        var record = record(4, id: "o4", attempts: [(0, 3), (202, 2101), (202, 2100), (202, 2500)])
        record.attempts[1].requestID = "lab-4-2"
        // Late only on its way to the client: the service answered in 1,900 ms.
        record.attempts[3].serverMilliseconds = 1900
        #expect(
            InvariantCheck.lateAnswers(records: [record], bound: .milliseconds(2100))
                == [
                    LateAnswer(order: 4, attempt: 2, status: 202, milliseconds: 2101, requestID: "lab-4-2", sentAt: nil, breaksDeadline: true),
                    LateAnswer(order: 4, attempt: 4, status: 202, milliseconds: 2500, serverMilliseconds: 1900, requestID: nil, sentAt: nil),
                ])
    }

    @Test("an answer late by the service's own clock breaks the deadline; one late only on the way to the client does not")
    func lateIsJudgedByTheServiceClock() {
        // The service took 1,950 ms and the answer reached a starved client after 2,600 ms: the deadline held.
        var starved = record(1, id: "o1", attempts: [(202, 2600)])
        starved.attempts[0].serverMilliseconds = 1950
        // The service itself waited 2,400 ms: a design that waits past its deadline.
        var waited = record(2, id: "o2", attempts: [(201, 2450)])
        waited.attempts[0].serverMilliseconds = 2400
        // No answer at all after 2,500 ms: nobody but the service can be blamed.
        let unanswered = record(3, id: "o3", attempts: [(0, 2500)])
        let figures = check([starved, waited, unanswered], final: initial, orders: [])
        #expect(figures.lateToClient == 3)
        #expect(figures.lateAnswers == 2)
        #expect(figures.violations.contains("2 answers later than the deadline"))
        // Time is an invariant of its own, apart from the final state's.
        #expect(!figures.stateViolations.contains { $0.contains("deadline") }, "\(figures.stateViolations)")
        #expect(figures.violations == figures.stateViolations + ["2 answers later than the deadline"])

        let inTime = check([starved], final: initial, orders: [])
        #expect(inTime.lateToClient == 1)
        #expect(!inTime.violations.contains { $0.contains("later than the deadline") }, "\(inTime.violations)")
    }

    @Test("an answer late by the service's clock is put down to the machine only if it stood still at least that long meanwhile")
    func stallsExcuseNoMoreThanTheirLength() {
        let sent = Date(timeIntervalSince1970: 1000)
        // 300 ms late by the service's own clock (2,400 ms against 2,100).
        var late = record(1, id: "o1", attempts: [(202, 2450)])
        late.attempts[0].serverMilliseconds = 2400
        late.attempts[0].sentAt = sent
        func figures(stalls: [DateInterval]) -> RunFigures {
            InvariantCheck.evaluate(
                records: [late], final: FinalState(initialStock: [:], finalStock: [:], orders: []),
                answerBound: .milliseconds(2100), stalls: stalls, latency: LatencyPercentiles())
        }
        // Stalls of 350 ms while the answer was on its way: the machine, not the design.
        let covered = figures(stalls: [
            DateInterval(start: sent.addingTimeInterval(0.5), duration: 0.2), DateInterval(start: sent.addingTimeInterval(1.9), duration: 0.15),
        ])
        #expect(covered.lateAnswers == 0)
        #expect(covered.lateInStalls == 1)
        // 200 ms of stall, or a long stall before the request was sent: not enough to explain 300 ms.
        #expect(figures(stalls: [DateInterval(start: sent.addingTimeInterval(0.5), duration: 0.2)]).lateAnswers == 1)
        #expect(figures(stalls: [DateInterval(start: sent.addingTimeInterval(-5), duration: 4.9)]).lateAnswers == 1)
        #expect(figures(stalls: []).violations.contains("1 answers later than the deadline"))
    }

    @Test("a stall the service's own process saw excuses as much lateness as it lasted, whatever the lab saw")
    func theServicesOwnStallsExcuseTheirLength() {
        // 300 ms late by the service's own clock, and the lab saw no stall.
        var late = record(1, id: "o1", attempts: [(202, 2450)])
        late.attempts[0].serverMilliseconds = 2400
        late.attempts[0].sentAt = Date(timeIntervalSince1970: 1000)
        func lateAnswers(serviceStall: Double?) -> Int {
            late.attempts[0].serverStallMilliseconds = serviceStall
            return InvariantCheck.evaluate(
                records: [late], final: FinalState(initialStock: [:], finalStock: [:], orders: []),
                answerBound: .milliseconds(2100), stalls: [], latency: LatencyPercentiles()
            ).lateAnswers
        }
        #expect(lateAnswers(serviceStall: 320) == 0)
        #expect(lateAnswers(serviceStall: 250) == 1)
        #expect(lateAnswers(serviceStall: nil) == 1)
    }
}
