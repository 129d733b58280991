import Foundation
import Logging
import ServiceLifecycle
import WarehouseKit

/// The inventory service's own settings: its chaos rules, and the demo catalogue. Each rule picks
/// deduction keys either as every n-th key (counted in the order inventory first saw each key,
/// persisted, so a restart continues the count) or as a fraction of keys chosen by a seeded hash of
/// the key (`StableHash`, the same in every process and run).
package enum InventorySettings {
    static let chaosGroup = "Chaos (all off by default)"

    package static let gremlinEvery = Setting<Int?>(
        "gremlin-every", group: chaosGroup, default: nil, rule: .atLeast(1),
        help: "Gremlin: delay the answers to every n-th deduction key (every answer for such a key, replays too).")
    package static let gremlinFraction = Setting<Double?>(
        "gremlin-fraction", group: chaosGroup, default: nil, rule: .within(0...1),
        help: "Gremlin: delay the answers to this fraction of deduction keys, chosen by a seeded hash of the key.")
    package static let gremlinDelay = Setting<Int>(
        "gremlin-delay-ms", group: chaosGroup, default: 3000, rule: .within(0...60_000),
        help: "Gremlin: how long a delayed answer is held back, in ms.")
    package static let gremlinPlacement = Setting<DelayPlacement>(
        "gremlin-placement", group: chaosGroup, default: .afterCommit,
        help: "Gremlin: before-commit (nothing has happened while the caller waits) or after-commit (it has).")
    package static let crashAfterCommitEvery = Setting<Int?>(
        "crash-after-commit-every", group: chaosGroup, default: nil, rule: .atLeast(1),
        help: "Exit the inventory process right after committing every n-th deduction key, before answering.")
    package static let crashAfterCommitFraction = Setting<Double?>(
        "crash-after-commit-fraction", group: chaosGroup, default: nil, rule: .within(0...1),
        help: "Exit the inventory process right after committing this fraction of deduction keys, before answering.")
    package static let errorAfterCommitEvery = Setting<Int?>(
        "error-after-commit-every", group: chaosGroup, default: nil, rule: .atLeast(1),
        help: "Answer 500 right after committing every n-th deduction key.")
    package static let errorAfterCommitFraction = Setting<Double?>(
        "error-after-commit-fraction", group: chaosGroup, default: nil, rule: .within(0...1),
        help: "Answer 500 right after committing this fraction of deduction keys.")

    package static let all: [any SettingDeclaration] = [
        CommonSettings.databaseURL, CommonSettings.databaseURLFile, CommonSettings.seedDemo, EventSettings.retention, DeductionRetention.setting, gremlinEvery, gremlinFraction, gremlinDelay, gremlinPlacement, crashAfterCommitEvery,
        crashAfterCommitFraction, errorAfterCommitEvery, errorAfterCommitFraction,
    ]
}

extension DelayPlacement: SettingValue {}

extension ChaosSettings {
    /// The rules `settings` give at start.
    package init(settings: Settings) throws(SettingsError) {
        self.init()
        gremlin = try settings.chaosSelector(every: InventorySettings.gremlinEvery, fraction: InventorySettings.gremlinFraction)
        gremlinDelay = .milliseconds(settings[InventorySettings.gremlinDelay])
        gremlinPlacement = settings[InventorySettings.gremlinPlacement]
        crashAfterCommit = try settings.chaosSelector(
            every: InventorySettings.crashAfterCommitEvery, fraction: InventorySettings.crashAfterCommitFraction)
        errorAfterCommit = try settings.chaosSelector(
            every: InventorySettings.errorAfterCommitEvery, fraction: InventorySettings.errorAfterCommitFraction)
    }
}

extension InventoryService: ServiceDefinition {
    package static var name: ServiceName { .inventory }
    package static var settings: [any SettingDeclaration] { InventorySettings.all }

    package static func validate(_ settings: Settings) throws(SettingsError) {
        _ = try ChaosSettings(settings: settings)
    }

    package static func make(_ settings: Settings, logger: Logger) async throws -> any Service {
        var configuration = InventoryConfiguration(databaseURL: try settings.databaseURL(of: name))
        configuration.edge = try EdgePolicy.load(settings, logger: logger)
        configuration.host = settings[CommonSettings.host]
        configuration.port = port(settings)
        configuration.durability = settings[CommonSettings.durability]
        configuration.seedDemoCatalogue = settings[CommonSettings.seedDemo]
        configuration.chaos = try ChaosSettings(settings: settings)
        configuration.naive = settings[CommonSettings.naive]
        configuration.eventRetention = settings.eventRetention
        configuration.deductionRetention = .seconds(settings[DeductionRetention.setting] * 3600)
        return try await live(configuration: configuration, logger: logger).makeApplication()
    }
}
