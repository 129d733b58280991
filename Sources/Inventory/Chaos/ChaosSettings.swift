import WarehouseKit

/// Whether a gremlin delay holds the answer before the deduction commits or after it.
package enum DelayPlacement: String, Sendable, Equatable, CaseIterable {
    /// The caller times out and nothing has happened yet (it will, when the delay ends).
    case beforeCommit = "before-commit"
    /// The caller times out although the deduction already happened: "did it happen?"
    case afterCommit = "after-commit"
}

/// Every chaos rule of an inventory process. All off by default.
package struct ChaosSettings: Sendable, Equatable {
    /// Deductions whose answer is held back by `gremlinDelay`.
    package var gremlin: ChaosSelector = .none
    package var gremlinDelay: Duration = .seconds(3)
    package var gremlinPlacement: DelayPlacement = .afterCommit
    /// Deductions after whose commit the process exits without answering (its supervisor restarts it).
    package var crashAfterCommit: ChaosSelector = .none
    /// Deductions after whose commit the answer is a 500.
    package var errorAfterCommit: ChaosSelector = .none

    package init() {}

    package var needsOrdinal: Bool {
        gremlin.needsOrdinal || crashAfterCommit.needsOrdinal || errorAfterCommit.needsOrdinal
    }

    package static let off = ChaosSettings()
}

/// What chaos does to one deduction call.
package struct ChaosDecision: Sendable, Equatable {
    package var delay: Duration?
    package var placement: DelayPlacement
    package var crashAfterCommit: Bool
    package var errorAfterCommit: Bool

    package static let none = ChaosDecision(delay: nil, placement: .afterCommit, crashAfterCommit: false, errorAfterCommit: false)

    package init(delay: Duration?, placement: DelayPlacement, crashAfterCommit: Bool, errorAfterCommit: Bool) {
        self.delay = delay
        self.placement = placement
        self.crashAfterCommit = crashAfterCommit
        self.errorAfterCommit = errorAfterCommit
    }

    /// The faults this decision injects, for the ledger. A key chosen for both the crash and the 500
    /// gets the crash: the process is gone before it could answer anything.
    package var faults: FaultPlan {
        FaultPlan(
            everyCall: delay == nil ? [] : [.gremlinDelay],
            firstCommit: crashAfterCommit ? [.crashAfterCommit] : errorAfterCommit ? [.errorAfterCommit] : []
        )
    }
}

extension ChaosSettings {
    /// The decision for one call with `key`. The gremlin holds back every answer for a selected key
    /// (replays too); the faults strike only the call that commits, so a retry can learn the outcome.
    package func decide(key: String, ordinal: Int64?) -> ChaosDecision {
        ChaosDecision(
            delay: gremlin.selects(key: key, ordinal: ordinal, salt: "gremlin") ? gremlinDelay : nil,
            placement: gremlinPlacement,
            crashAfterCommit: crashAfterCommit.selects(key: key, ordinal: ordinal, salt: "crash"),
            errorAfterCommit: errorAfterCommit.selects(key: key, ordinal: ordinal, salt: "error")
        )
    }
}
