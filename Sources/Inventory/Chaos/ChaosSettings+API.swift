import InventoryAPI
import WarehouseKit

extension ChaosSettings {
    /// Reads settings from the admin API; a selector naming both `every` and `fraction` is refused.
    init(_ body: Components.Schemas.ChaosSettings) throws {
        self.init()
        gremlin = try ChaosSelector(body.gremlin?.select, at: "/gremlin/select")
        gremlinDelay = .milliseconds(body.gremlin?.delayMs ?? 3000)
        gremlinPlacement = body.gremlin?.placement.flatMap { DelayPlacement(rawValue: $0.rawValue) } ?? .afterCommit
        crashAfterCommit = try ChaosSelector(body.crashAfterCommit, at: "/crashAfterCommit")
        errorAfterCommit = try ChaosSelector(body.errorAfterCommit, at: "/errorAfterCommit")
    }
}

extension ChaosSelector {
    init(_ body: Components.Schemas.ChaosSelector?, at pointer: String) throws {
        try self.init(every: body?.every, fraction: body?.fraction, seed: body?.seed, at: pointer)
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
        let (every, fraction, seed) = selector.fields
        self.init(every: every, fraction: fraction, seed: seed)
    }
}
