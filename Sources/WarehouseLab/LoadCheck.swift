import WarehouseKit

/// The gremlin pattern a load expects the system to run with, to predict which orders it delays.
package enum ExpectedGremlin: Sendable, Codable, Equatable {
    case none
    /// Every n-th deduction key, in the order inventory first saw them: which orders those are depends
    /// on arrival under concurrency, so the prediction is made from the ordinal inventory recorded for
    /// each order's key (`OrderRecord.deductionOrdinal`).
    case everyNth(Int)
    /// A fraction of keys by `StableHash.unit("gremlin:" + orderId, seed)`: exactly which orders.
    case fraction(Double, seed: UInt64)

    /// Whether the pattern delays this order; nil when it cannot tell (an every-n-th pattern, and
    /// inventory gave no ordinal for the order's key).
    func predicts(_ record: OrderRecord) -> Bool? {
        switch self {
        case .none: false
        case .everyNth(let n): record.deductionOrdinal.map { n > 0 && $0 % Int64(n) == 0 }
        case .fraction(let fraction, let seed):
            record.orderId.map { StableHash.unit("gremlin:" + $0, seed: seed) < fraction }
        }
    }
}

/// One check of a load run: its name, whether it held, and what was found when it did not.
package struct CheckResult: Sendable, Codable, Equatable {
    package var name: String
    package var passed: Bool
    package var detail: String
}

/// The checks a load run must pass; `.ci/run` fails the build on any of them.
package enum LoadCheck {
    /// An order the gremlin touched: inventory announced a delay, or the first answer was pending.
    package static func isAffected(_ record: OrderRecord) -> Bool {
        record.gremlinDelayMilliseconds != nil || record.firstAnswer == "pending"
    }

    package static func evaluate(
        records: [OrderRecord],
        initialStock: [String: Int],
        finalStock: [String: Int],
        shippedUnits: [String: Int],
        expected: ExpectedGremlin,
        answerBound: Duration
    ) -> [CheckResult] {
        var results: [CheckResult] = []
        func check(_ name: String, _ failures: [String]) {
            results.append(
                CheckResult(
                    name: name,
                    passed: failures.isEmpty,
                    detail: failures.isEmpty
                        ? "ok"
                        : failures.prefix(10).joined(separator: "; ")
                            + (failures.count > 10 ? " (and \(failures.count - 10) more)" : "")
                ))
        }

        let late = records.filter { $0.attempts.contains { $0.milliseconds > answerBound.milliseconds } }
        check(
            "every answer inside the deadline + slack",
            late.map { "\($0.idempotencyKey) answered after \(Int($0.attempts.map(\.milliseconds).max() ?? 0)) ms" })

        let unanswered = records.filter { !$0.acknowledged }
        check("every order acknowledged (got an id)", unanswered.map { "\($0.idempotencyKey): \($0.attempts.map(\.status))" })

        let errors = records.filter { $0.attempts.contains { $0.status == 0 || $0.status >= 500 } }
        check("no 5xx or transport errors", errors.map { "\($0.idempotencyKey): \($0.attempts.map(\.status))" })

        let affected = records.filter(isAffected)
        let unaffectedNotShipped = records.filter { $0.acknowledged && !isAffected($0) && $0.firstAnswer != "shipped" }
        check(
            "every unaffected order shipped in its first answer",
            unaffectedNotShipped.map { "\($0.idempotencyKey): \($0.firstAnswer ?? "-")" })

        let unfinished = affected.filter { $0.finalState != "shipped" && $0.finalState != "rejected" }
        check("every affected order reached a final state", unfinished.map { "\($0.idempotencyKey): \($0.finalState ?? "-")" })

        var drift: [String] = []
        for (sku, initial) in initialStock.sorted(by: { $0.key < $1.key }) {
            let expectedFinal = initial - shippedUnits[sku, default: 0]
            if finalStock[sku] != expectedFinal {
                drift.append(
                    "\(sku): initial \(initial) − shipped \(shippedUnits[sku, default: 0]) = \(expectedFinal), stock is \(finalStock[sku].map(String.init) ?? "missing")"
                )
            }
        }
        check("stock conservation per SKU", drift)

        switch expected {
        case .none:
            check("no order affected when no gremlin is expected", affected.map(\.idempotencyKey))
        case .everyNth, .fraction:
            var mismatches: [String] = []
            for record in records where record.acknowledged {
                guard let predicted = expected.predicts(record) else {
                    mismatches.append("\(record.idempotencyKey): inventory has no ordinal for order \(record.orderId ?? "-")")
                    continue
                }
                if predicted != isAffected(record) {
                    mismatches.append(
                        "\(record.idempotencyKey) \(predicted ? "predicted delayed but was not" : "delayed but not predicted")")
                }
            }
            check("affected orders are exactly the predicted ones", mismatches)
        }
        return results
    }
}
