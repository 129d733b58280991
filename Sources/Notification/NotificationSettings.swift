import Foundation
import Logging
import ServiceLifecycle
import WarehouseKit

/// The notification service's own settings: when its `/health` warns about lag, and how webhooks are
/// retried (`warehouse settings` lists them with the common ones).
package enum NotificationSettings {
    static let group = "Notification service"

    package static let lagWarnEvents = Setting<Int>(
        "lag-warn-events", group: group, default: 1000, rule: .within(1...100_000_000),
        help: "/health warns when more order events than this are not yet read.")
    package static let lagWarnSeconds = Setting<Int>(
        "lag-warn-s", group: group, default: 30, rule: .within(1...86_400),
        help: "/health warns when the oldest order event not yet read may be older than this, in seconds.")
    package static let webhookTimeout = Setting<Int>(
        "webhook-timeout-ms", group: group, default: 10_000, rule: .within(100...120_000),
        help: "The longest one webhook attempt waits for the receiver's answer, in ms.")
    package static let webhookRetry = Setting<Int>(
        "webhook-retry-h", group: group, default: 24, rule: .within(24...24 * 30),
        help: "Hours a webhook delivery is retried (backoff with full jitter, 1 s doubling to 1 h) before it is given up.")

    package static let all: [any SettingDeclaration] = [
        CommonSettings.databaseURL, CommonSettings.databaseURLFile, CommonSettings.customerListing, lagWarnEvents, lagWarnSeconds, webhookTimeout, webhookRetry,
    ]
}

extension NotificationConfiguration {
    /// The configuration `settings` describe (the admin token is loaded when the service starts).
    package init(settings: Settings) throws(SettingsError) {
        self.init(
            databaseURL: try settings.databaseURL(of: NotificationService.name),
            orderURL: settings[ServiceName.order.urlSetting].url
        )
        host = settings[CommonSettings.host]
        port = NotificationService.port(settings)
        durability = settings[CommonSettings.durability]
        lagWarnEvents = Int64(settings[NotificationSettings.lagWarnEvents])
        lagWarnSeconds = Double(settings[NotificationSettings.lagWarnSeconds])
        delivery.attemptTimeout = .milliseconds(settings[NotificationSettings.webhookTimeout])
        delivery.window = .seconds(settings[NotificationSettings.webhookRetry] * 3600)
        customerListing = settings[CommonSettings.customerListing]
    }
}

extension NotificationService: ServiceDefinition {
    package static var name: ServiceName { .notification }
    package static var settings: [any SettingDeclaration] { NotificationSettings.all }

    package static func validate(_ settings: Settings) throws(SettingsError) {}

    package static func make(_ settings: Settings, logger: Logger) async throws -> any Service {
        var configuration = try NotificationConfiguration(settings: settings)
        configuration.edge = try EdgePolicy.load(settings, logger: logger)
        return try await live(configuration: configuration, logger: logger).makeApplication()
    }
}
