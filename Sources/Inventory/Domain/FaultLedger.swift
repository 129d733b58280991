/// A fault chaos injects into a deduction call on purpose.
package enum FaultKind: String, Sendable, Equatable, CaseIterable {
    /// The answer held back by the gremlin's delay.
    case gremlinDelay = "gremlin-delay"
    /// The process exits after the deduction committed, before it answers.
    case crashAfterCommit = "crash-after-commit"
    /// The answer is a 500 after the deduction committed.
    case errorAfterCommit = "error-after-commit"
}

/// The faults chaos has in store for one deduction call. They are written to the fault ledger in the
/// call's own transaction, before any of them strikes, so the record of a crash after commit survives
/// the crash.
package struct FaultPlan: Sendable, Equatable {
    /// Injected whatever the call finds: the gremlin holds back the answers to a replayed key too.
    package var everyCall: [FaultKind]
    /// Injected only into the call that commits the deduction (the crash and the 500 after commit), so
    /// a retry can learn the outcome.
    package var firstCommit: [FaultKind]

    package static let none = FaultPlan(everyCall: [], firstCommit: [])

    package init(everyCall: [FaultKind], firstCommit: [FaultKind]) {
        self.everyCall = everyCall
        self.firstCommit = firstCommit
    }

    /// The faults that strike a call that committed the deduction (`replayed` false) or found it done.
    package func kinds(replayed: Bool) -> [FaultKind] {
        replayed ? everyCall : everyCall + firstCommit
    }
}

/// What the fault ledger holds: how many deductions each kind of fault struck, beside how many
/// deductions there were. It is how an experiment proves its faults landed.
package struct FaultLedger: Sendable, Equatable {
    package struct Count: Sendable, Equatable {
        /// Deduction keys the fault struck at least once.
        package var deductions: Int
        /// Times it struck (the gremlin strikes every answer for its keys, replays too).
        package var injections: Int

        package init(deductions: Int, injections: Int) {
            self.deductions = deductions
            self.injections = injections
        }
    }

    /// Deduction keys this inventory committed, the denominator of every rate.
    package var deductions: Int
    /// Every kind, struck or not.
    package var faults: [FaultKind: Count]

    package init(deductions: Int, faults: [FaultKind: Count]) {
        self.deductions = deductions
        self.faults = Dictionary(uniqueKeysWithValues: FaultKind.allCases.map { ($0, faults[$0] ?? Count(deductions: 0, injections: 0)) })
    }
}
