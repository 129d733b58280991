import InventoryAPI
import WarehouseKit

extension ChaosSettings {
    /// Reads settings from the admin API, refusing a selector that names both `every` and `fraction`.
    init(_ body: Components.Schemas.ChaosSettings) throws {
        self.init()
        var violations: [FieldViolation] = []
        func selector(_ value: Components.Schemas.ChaosSelector?, at pointer: String) -> ChaosSelector {
            switch (value?.every, value?.fraction) {
            case (nil, nil):
                return .none
            case (let every?, nil):
                return .everyNth(every)
            case (nil, let fraction?):
                return .fraction(fraction, seed: UInt64(max(0, value?.seed ?? 0)))
            case (_?, _?):
                violations.append(FieldViolation(pointer, "give either every or fraction, not both"))
                return .none
            }
        }
        gremlin = selector(body.gremlin?.select, at: "/gremlin/select")
        gremlinDelay = .milliseconds(body.gremlin?.delayMs ?? 3000)
        gremlinPlacement = body.gremlin?.placement.flatMap { DelayPlacement(rawValue: $0.rawValue) } ?? .afterCommit
        crashAfterCommit = selector(body.crashAfterCommit, at: "/crashAfterCommit")
        errorAfterCommit = selector(body.errorAfterCommit, at: "/errorAfterCommit")
        guard violations.isEmpty else { throw InventoryError.invalidChaos(violations) }
    }
}

extension Components.Schemas.ChaosSettings {
    init(_ settings: ChaosSettings) {
        self.init(
            gremlin: .init(
                select: .init(settings.gremlin),
                delayMs: Int(settings.gremlinDelay.milliseconds),
                placement: .init(rawValue: settings.gremlinPlacement.rawValue)
            ),
            crashAfterCommit: .init(settings.crashAfterCommit),
            errorAfterCommit: .init(settings.errorAfterCommit)
        )
    }
}

extension Components.Schemas.ChaosSelector {
    init(_ selector: ChaosSelector) {
        switch selector {
        case .none: self.init()
        case .everyNth(let n): self.init(every: n)
        case .fraction(let fraction, let seed): self.init(fraction: fraction, seed: Int64(clamping: seed))
        }
    }
}
