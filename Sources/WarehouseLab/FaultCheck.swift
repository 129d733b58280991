import Foundation

/// One kind of fault in a run: the rate the experiment configured against what landed.
package struct FaultTally: Sendable, Codable, Equatable {
    /// As inventory's fault ledger names it (`crash-after-commit`, say), or `order-error-after-store`.
    package var kind: String
    /// What it does, for the report.
    package var summary: String
    /// The share of `population` it was configured to strike.
    package var rate: Double
    /// What it could strike: the deductions inventory committed, or the new orders placed.
    package var population: Int
    /// How many of those it struck.
    package var landed: Int
    /// How many times it struck (the gremlin strikes every answer for its keys, replays too).
    package var injections: Int

    package init(kind: String, summary: String, rate: Double, population: Int, landed: Int, injections: Int) {
        self.kind = kind
        self.summary = summary
        self.rate = rate
        self.population = population
        self.landed = landed
        self.injections = injections
    }

    /// How many it should have struck.
    package var expected: Double { rate * Double(population) }
}

/// Whether a run's faults landed. A fault configured at 5% of deductions that struck almost none of
/// them means the run measured something else (a circuit kept open, say): such a run proves nothing,
/// whatever its invariants say.
package enum FaultCheck {
    /// The least share of the expected strikes a fault must land.
    package static let minimumShare = 0.5

    /// What went wrong, one sentence per fault that did not land; empty when every fault did.
    ///
    /// - Parameter ledgerMissing: why inventory's fault ledger could not be read, if it could not.
    package static func problems(_ tallies: [FaultTally], ledgerMissing: String? = nil) -> [String] {
        var found: [String] = []
        if let ledgerMissing { found.append("inventory's fault ledger could not be read (\(ledgerMissing))") }
        for tally in tallies where tally.rate > 0 {
            if tally.population == 0 {
                found.append("\(tally.kind) had nothing to strike: no \(tally.kind.hasPrefix("order") ? "order" : "deduction") was made")
            } else if Double(tally.landed) < tally.expected * minimumShare {
                found.append(
                    "\(tally.kind) landed on \(tally.landed) of \(tally.population), "
                        + "fewer than half of the \(String(format: "%.0f", tally.expected)) it should have hit "
                        + "(\(percent(tally.rate)))"
                )
            }
        }
        return found
    }

    private static func percent(_ rate: Double) -> String {
        String(format: rate * 100 == (rate * 100).rounded() ? "%.0f%%" : "%.1f%%", rate * 100)
    }
}

extension FaultTally {
    /// Each fault `configured` against what landed: inventory's from its fault ledger (none landed when
    /// the ledger could not be read), out of the deductions inventory committed; the order service's 500
    /// after storing as the shoppers saw it (the first try of an order it picks answers 500), out of the
    /// first tries the order service answered with the order or that 500. A first try that got no such
    /// answer never reached the fault: the connection broke (the order service was killed), or, in the
    /// naive design, inventory failed and the order was answered 502 before the fault's turn.
    package static func tallies(
        configured configuration: ChaosExperiment.Configuration,
        ledger: Contract.FaultLedger?,
        records: [OrderRecord]
    ) -> [FaultTally] {
        let deductions = ledger?.deductions ?? 0
        func inventoryFault(_ kind: String, _ summary: String, rate: Double) -> FaultTally {
            let count = ledger?.faults.first { $0.kind == kind }
            return FaultTally(
                kind: kind, summary: summary, rate: rate, population: deductions, landed: count?.deductions ?? 0,
                injections: count?.injections ?? 0)
        }
        return [
            inventoryFault(
                "gremlin-delay", "deduction answers delayed \(Int(configuration.gremlinDelay.milliseconds)) ms",
                rate: configuration.gremlinFraction),
            inventoryFault("crash-after-commit", "inventory exits after commit", rate: configuration.crashAfterCommitFraction),
            inventoryFault("error-after-commit", "inventory answers 500 after commit", rate: configuration.errorAfterCommitFraction),
            FaultTally(
                kind: "order-error-after-store",
                summary: "order service answers 500 after storing a new order",
                rate: configuration.orderErrorAfterStoreFraction,
                population: records.filter { [201, 202, 409, 500].contains($0.attempts.first?.status ?? 0) }.count,
                landed: records.filter { $0.attempts.first?.status == 500 }.count,
                injections: records.flatMap(\.attempts).filter { $0.status == 500 }.count
            ),
        ]
    }
}
