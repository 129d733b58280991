import Foundation
import Logging
import ServiceLifecycle
import WarehouseKit

/// The order service's own settings: its time limits, the resilience of its calls to inventory, and
/// its chaos rule (`warehouse settings` lists them with the common ones).
package enum OrderSettings {
    static let group = "Order service"
    static let chaosGroup = "Chaos (all off by default)"

    package static let deadline = Setting<Int>(
        "order-deadline-ms", group: group, default: 2000, rule: .within(100...60_000),
        help: "The longest a POST /orders takes; without a definite answer from inventory by then it answers 202 pending, in ms.")
    package static let attemptTimeout = Setting<Int>(
        "attempt-timeout-ms", group: group, default: 1000, rule: .within(10...60_000),
        help: "The longest one try of an inventory call takes, in ms; a call is retried (full-jitter backoff) while a whole try still fits in the deadline, and at once after a fast failure.")
    package static let retryTimeout = Setting<Int>(
        "retry-timeout-ms", group: group, default: 5000, rule: .within(50...60_000),
        help: "The limit of one reconciler try of a pending order, in ms.")
    package static let inventoryConcurrency = Setting<Int>(
        "inventory-concurrency", group: group, default: 64, rule: .within(1...10_000),
        help: "Bulkhead: inventory calls in flight at once; past it an order is answered 202 at once.")
    package static let breakerWindow = Setting<Int>(
        "breaker-window-s", group: group, default: 10, rule: .within(1...3600),
        help: "Circuit breaker: the sliding window its failure rate is measured over, in seconds.")
    package static let breakerMinimumCalls = Setting<Int>(
        "breaker-minimum-calls", group: group, default: 10, rule: .within(1...100_000),
        help: "Circuit breaker: calls in the window before it may open.")
    package static let breakerFailureRate = Setting<Double>(
        "breaker-failure-rate", group: group, default: 0.5, rule: .within(0...1),
        help: "Circuit breaker: the failure rate (timeouts and errors) in the window that opens it.")
    package static let breakerOpen = Setting<Int>(
        "breaker-open-ms", group: group, default: 500, rule: .within(10...600_000),
        help: "Circuit breaker: how long it stays open the first time before probes may close it, in ms; doubled at each failed probe.")
    package static let breakerMaxOpen = Setting<Int>(
        "breaker-max-open-ms", group: group, default: 5000, rule: .within(10...600_000),
        help: "Circuit breaker: the longest it stays open before it probes again, in ms.")
    package static let breakerBurst = Setting<Int>(
        "breaker-burst-ms", group: group, default: 1000, rule: .within(0...60_000),
        help: "Circuit breaker: failed connections (refused, reset, closed: a restart) within this span of the first count as one failure; past it each counts, in ms.")
    package static let idempotencyRetention = Setting<Int>(
        "idempotency-retention-h", group: group, default: 24, rule: .within(24...24 * 365),
        help: "Hours an Idempotency-Key is remembered before it is forgotten (the order stays).")
    package static let attentionAfter = Setting<Int>(
        "attention-after-s", group: group, default: 3600, rule: .within(1...86_400),
        help: "Seconds an order may stay pending before a try without an answer marks it as needing attention: it stays pending, is no longer retried automatically, and is counted by orders_needing_attention and shown in the console. At most a day, so it ends before the shortest --idempotency-retention-h.")
    package static let latencyAlertThreshold = Setting<Int>(
        "latency-alert-threshold-ms", group: group, default: 1000, rule: .within(1...600_000),
        help: "The latency alert is raised while order placements average more than this over the last 30 s, in ms.")
    package static let errorAfterStoreEvery = Setting<Int?>(
        "order-error-after-store-every", group: chaosGroup, default: nil, rule: .atLeast(1),
        help: "Order service: answer 500 to every n-th new order after storing (and processing) it; counted by the order's place among all stored orders.")
    package static let errorAfterStoreFraction = Setting<Double?>(
        "order-error-after-store-fraction", group: chaosGroup, default: nil, rule: .within(0...1),
        help: "Order service: answer 500 to this fraction of new orders after storing them, selected by a seeded hash of the Idempotency-Key (the order id without one).")

    package static let all: [any SettingDeclaration] = [
        CommonSettings.databaseURL, CommonSettings.databaseURLFile, CommonSettings.customerListing, EventSettings.retention, deadline, attemptTimeout, retryTimeout, inventoryConcurrency, breakerWindow,
        breakerMinimumCalls, breakerFailureRate, breakerOpen, breakerMaxOpen, breakerBurst, idempotencyRetention, attentionAfter, latencyAlertThreshold,
        errorAfterStoreEvery,
        errorAfterStoreFraction,
    ]
}

extension OrderConfiguration {
    /// The configuration `settings` describe (the admin token is loaded when the service starts).
    package init(settings: Settings) throws(SettingsError) {
        self.init(
            databaseURL: try settings.databaseURL(of: OrderService.name),
            inventoryURL: settings[ServiceName.inventory.urlSetting].url
        )
        host = settings[CommonSettings.host]
        port = OrderService.port(settings)
        durability = settings[CommonSettings.durability]
        policy.deadline = .milliseconds(settings[OrderSettings.deadline])
        policy.retryTimeout = .milliseconds(settings[OrderSettings.retryTimeout])
        policy.idempotencyRetention = .seconds(settings[OrderSettings.idempotencyRetention] * 3600)
        policy.attention = AttentionPolicy(after: .seconds(settings[OrderSettings.attentionAfter]))
        naive = settings[CommonSettings.naive]
        callPolicy.attemptTimeout = .milliseconds(settings[OrderSettings.attemptTimeout])
        callPolicy.concurrencyLimit = settings[OrderSettings.inventoryConcurrency]
        callPolicy.breaker.minimumCalls = settings[OrderSettings.breakerMinimumCalls]
        callPolicy.breaker.failureRateThreshold = settings[OrderSettings.breakerFailureRate]
        callPolicy.breaker.window = .seconds(settings[OrderSettings.breakerWindow])
        callPolicy.breaker.openDuration = .milliseconds(settings[OrderSettings.breakerOpen])
        callPolicy.breaker.maximumOpenDuration = .milliseconds(settings[OrderSettings.breakerMaxOpen])
        callPolicy.breaker.burstSpan = .milliseconds(settings[OrderSettings.breakerBurst])
        errorAfterStore = try settings.chaosSelector(
            every: OrderSettings.errorAfterStoreEvery, fraction: OrderSettings.errorAfterStoreFraction)
        latencyAlertThreshold = .milliseconds(settings[OrderSettings.latencyAlertThreshold])
        eventRetention = settings.eventRetention
        customerListing = settings[CommonSettings.customerListing]
    }
}

extension OrderService: ServiceDefinition {
    package static var name: ServiceName { .order }
    package static var settings: [any SettingDeclaration] { OrderSettings.all }

    package static func validate(_ settings: Settings) throws(SettingsError) {
        _ = try OrderConfiguration(settings: settings)
    }

    package static func make(_ settings: Settings, logger: Logger) async throws -> any Service {
        var configuration = try OrderConfiguration(settings: settings)
        configuration.edge = try EdgePolicy.load(settings, logger: logger)
        return try await live(configuration: configuration, logger: logger).makeApplication()
    }
}
