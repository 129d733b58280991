import Foundation
import Inventory
import Testing
import WarehouseKit

/// The gremlin and fault schedules are pure functions of the key, its persisted ordinal and the seed.
struct ChaosScheduleTests {
    @Test func everyNthSelectsExactlyTheMultiplesOfN() {
        let selector = ChaosSelector.everyNth(5)
        let hit = (1...20).filter { selector.selects(key: "k\($0)", ordinal: Int64($0), salt: "gremlin") }
        #expect(hit == [5, 10, 15, 20])
        #expect(!selector.selects(key: "k", ordinal: nil, salt: "gremlin"))
    }

    @Test func aSeededFractionGivesTheSameChoiceEveryTimeAndFollowsTheDocumentedHash() {
        let selector = ChaosSelector.fraction(0.3, seed: 7)
        let keys = (0..<500).map { "order-\($0)" }
        let first = keys.filter { selector.selects(key: $0, ordinal: nil, salt: "gremlin") }
        let second = keys.filter { selector.selects(key: $0, ordinal: nil, salt: "gremlin") }
        #expect(first == second)
        #expect(first == keys.filter { StableHash.unit("gremlin:" + $0, seed: 7) < 0.3 })
        #expect((100...200).contains(first.count))
        // Another seed picks other keys.
        let reseeded = keys.filter { ChaosSelector.fraction(0.3, seed: 8).selects(key: $0, ordinal: nil, salt: "gremlin") }
        #expect(reseeded != first)
    }

    @Test func rulesSharingASeedPickIndependently() {
        var settings = ChaosSettings()
        settings.gremlin = .fraction(0.5, seed: 1)
        settings.crashAfterCommit = .fraction(0.5, seed: 1)
        let keys = (0..<200).map { "k\($0)" }
        let delayed = keys.filter { settings.decide(key: $0, ordinal: nil).delay != nil }
        let crashed = keys.filter { settings.decide(key: $0, ordinal: nil).crashAfterCommit }
        #expect(delayed != crashed)
    }

    @Test func offDecidesNothing() {
        let decision = ChaosSettings.off.decide(key: "k", ordinal: 5)
        #expect(decision.delay == nil)
        #expect(!decision.crashAfterCommit)
        #expect(!decision.errorAfterCommit)
    }

    @Test func theDecisionCarriesTheDelayAndItsPlacement() {
        var settings = ChaosSettings()
        settings.gremlin = .everyNth(1)
        settings.gremlinDelay = .milliseconds(250)
        settings.gremlinPlacement = .beforeCommit
        let decision = settings.decide(key: "k", ordinal: 1)
        #expect(decision.delay == .milliseconds(250))
        #expect(decision.placement == .beforeCommit)
    }
}
