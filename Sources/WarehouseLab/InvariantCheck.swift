import Foundation
import WarehouseKit

/// What a run left behind, as the services report it after faults stopped.
package struct FinalState: Sendable {
    package var initialStock: [String: Int]
    package var finalStock: [String: Int]
    /// Every order in the order service's database.
    package var orders: [Contract.Order]

    package init(initialStock: [String: Int], finalStock: [String: Int], orders: [Contract.Order]) {
        self.initialStock = initialStock
        self.finalStock = finalStock
        self.orders = orders
    }
}

/// The figures of one run and the invariants they must meet. Units are stock units.
package struct RunFigures: Sendable, Codable, Equatable {
    package var ordersPlanned = 0
    package var acknowledged = 0
    /// Acknowledged to the client, but not in the order service.
    package var lost = 0
    /// Acknowledged and still pending at the end: after the drain with faults on, and when that did not
    /// finish, once the backlog has stopped shrinking with faults off (`ChaosExperiment.Configuration.followUp`).
    package var stuckPending = 0
    /// Orders beyond the first for one idempotency key (one purchase placed twice).
    package var duplicateOrders = 0
    /// Units inventory deducted beyond what shipped orders account for.
    package var doubleDeductedUnits = 0
    /// Units shipped beyond the stock there was, and SKUs whose stock went below zero.
    package var oversoldUnits = 0
    /// Σ |initial − shipped − final| over SKUs.
    package var stockDrift = 0
    /// Answers the client saw that were 5xx or transport errors.
    package var userVisibleErrors = 0
    /// Answers the order service itself gave later than the deadline plus slack, by its own clock
    /// (`Server-Timing`, from the request's arrival to its answer; the client's time for an answer that
    /// carries none), by more than the machine stood still while they were on their way: as the
    /// service's process saw it (`Server-Timing`'s `stall`), or the lab's, whichever saw more
    /// (`StallMeter`). The deadline is the service's promise, and this is what breaks it.
    package var lateAnswers = 0
    /// Answers late by the service's clock, but by no more than the machine stood still meanwhile (a
    /// figure, not an invariant).
    package var lateInStalls = 0
    /// Answers the client got later than the deadline plus slack, however long the service took: on a
    /// starved machine the request and its answer can wait on the way (a figure, not an invariant).
    package var lateToClient = 0
    package var shipped = 0
    package var rejected = 0
    package var p50Milliseconds = 0.0
    package var p99Milliseconds = 0.0
    package var maxMilliseconds = 0.0

    package init() {}

    /// The invariants of the design; empty when all hold.
    package var violations: [String] {
        stateViolations + (lateAnswers > 0 ? ["\(lateAnswers) answers later than the deadline"] : [])
    }

    /// The invariants of the system's final state, which no machine's speed can excuse: every order
    /// there, once, final, and stock deducted exactly for what shipped. The deadline's is the other.
    package var stateViolations: [String] {
        var found: [String] = []
        if lost > 0 { found.append("\(lost) acknowledged orders lost") }
        if stuckPending > 0 { found.append("\(stuckPending) orders still pending at the end") }
        if duplicateOrders > 0 { found.append("\(duplicateOrders) extra orders for an idempotency key") }
        if doubleDeductedUnits > 0 { found.append("\(doubleDeductedUnits) units deducted twice") }
        if oversoldUnits > 0 { found.append("\(oversoldUnits) units oversold") }
        if stockDrift > 0 { found.append("stock drifted by \(stockDrift) units") }
        return found
    }
}

/// A try of an order whose answer came later than the deadline allows, named so it can be found in the
/// services' log (`request_id`).
package struct LateAnswer: Sendable, Codable, Equatable {
    package var order: Int
    /// 1 for the order's first try.
    package var attempt: Int
    package var status: Int
    /// As the client measured it.
    package var milliseconds: Double
    /// As the order service measured it (`Server-Timing`), when the answer said.
    package var serverMilliseconds: Double?
    /// How long the service's process stood still meanwhile (`Server-Timing`'s `stall`), when it said.
    package var serverStallMilliseconds: Double?
    package var requestID: String?
    package var sentAt: Date?
    /// Late by the service's own clock by more than the machine stood still meanwhile: the design broke
    /// its promise (`RunFigures.lateAnswers`). Otherwise late only at the client.
    package var breaksDeadline: Bool

    package init(
        order: Int, attempt: Int, status: Int, milliseconds: Double, serverMilliseconds: Double? = nil,
        serverStallMilliseconds: Double? = nil, requestID: String?, sentAt: Date?, breaksDeadline: Bool = false
    ) {
        self.breaksDeadline = breaksDeadline
        self.order = order
        self.attempt = attempt
        self.status = status
        self.milliseconds = milliseconds
        self.serverMilliseconds = serverMilliseconds
        self.serverStallMilliseconds = serverStallMilliseconds
        self.requestID = requestID
        self.sentAt = sentAt
    }
}

/// Checks a run: the client's records against the final state of the system.
package enum InvariantCheck {
    /// Every try whose answer reached the client later than `bound`, or that broke the deadline by the
    /// service's clock (`breaksDeadline`), in the order they were placed.
    package static func lateAnswers(records: [OrderRecord], bound: Duration, stalls: [DateInterval] = []) -> [LateAnswer] {
        records.flatMap { record in
            record.attempts.enumerated().compactMap { index, attempt in
                let breaks = breaksDeadline(attempt, bound: bound, stalls: stalls)
                guard attempt.milliseconds > bound.milliseconds || breaks else { return nil }
                return LateAnswer(
                    order: record.number, attempt: index + 1, status: attempt.status, milliseconds: attempt.milliseconds,
                    serverMilliseconds: attempt.serverMilliseconds, serverStallMilliseconds: attempt.serverStallMilliseconds,
                    requestID: attempt.requestID, sentAt: attempt.sentAt, breaksDeadline: breaks)
            }
        }
    }

    /// Whether `attempt` was answered later than `bound` by the service's clock, by more than the
    /// machine stood still meanwhile, as the lab (`stalls`) or the service's process saw it, whichever
    /// saw more.
    static func breaksDeadline(_ attempt: AttemptRecord, bound: Duration, stalls: [DateInterval]) -> Bool {
        guard attempt.serviceMilliseconds > bound.milliseconds else { return false }
        let labStall = attempt.sentAt.map { sentAt in
            StallMeter.milliseconds(stalledIn: DateInterval(start: sentAt, duration: attempt.milliseconds / 1000), of: stalls)
        }
        return max(labStall ?? 0, attempt.serverStallMilliseconds ?? 0) < attempt.serviceMilliseconds - bound.milliseconds
    }

    /// - Parameter stalls: when the machine stood still during the run (`StallMeter`).
    package static func evaluate(
        records: [OrderRecord],
        final: FinalState,
        answerBound: Duration,
        stalls: [DateInterval] = [],
        latency: LatencyPercentiles
    ) -> RunFigures {
        var figures = RunFigures()
        figures.ordersPlanned = records.count
        let ordersByID = Dictionary(final.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let acknowledged = records.compactMap(\.orderId)
        figures.acknowledged = acknowledged.count
        figures.lost = acknowledged.filter { ordersByID[$0] == nil }.count
        figures.stuckPending = acknowledged.filter { ordersByID[$0]?.status == "pending" }.count
        figures.duplicateOrders = Dictionary(grouping: final.orders, by: \.customerId).values.reduce(0) { $0 + $1.count - 1 }
        figures.shipped = final.orders.filter { $0.status == "shipped" }.count
        figures.rejected = final.orders.filter { $0.status == "rejected" }.count

        var shippedUnits: [String: Int] = [:]
        for order in final.orders where order.status == "shipped" {
            for line in order.items { shippedUnits[line.sku, default: 0] += line.quantity }
        }
        for (sku, initial) in final.initialStock {
            let shipped = shippedUnits[sku, default: 0]
            let remaining = final.finalStock[sku] ?? 0
            let deducted = initial - remaining
            figures.doubleDeductedUnits += max(0, deducted - shipped)
            figures.oversoldUnits += max(0, shipped - initial) + max(0, -remaining)
            figures.stockDrift += abs(initial - shipped - remaining)
        }

        let attempts = records.flatMap(\.attempts)
        figures.userVisibleErrors = attempts.filter { $0.status == 0 || $0.status >= 500 }.count
        let lateByService = attempts.filter { $0.serviceMilliseconds > answerBound.milliseconds }
        figures.lateAnswers = lateByService.filter { breaksDeadline($0, bound: answerBound, stalls: stalls) }.count
        figures.lateInStalls = lateByService.count - figures.lateAnswers
        figures.lateToClient = attempts.filter { $0.milliseconds > answerBound.milliseconds }.count
        figures.p50Milliseconds = latency.p50
        figures.p99Milliseconds = latency.p99
        figures.maxMilliseconds = latency.max
        return figures
    }
}
