import Logging
import ServiceLifecycle
import WarehouseKit

extension ConsoleService: ServiceDefinition {
    package static var name: ServiceName { .console }
    /// The common settings, the URLs of the services it shows, and the order instances its latency
    /// alert covers.
    package static var settings: [any SettingDeclaration] { ConsoleSettings.all }

    package static func validate(_ settings: Settings) throws(SettingsError) {}

    package static func make(_ settings: Settings, logger: Logger) async throws -> any Service {
        var configuration = ConsoleConfiguration(
            upstreams: name.descriptor.dependencies.map { ServiceEndpoint(name: $0, url: settings[$0.urlSetting].url) })
        configuration.orderInstances = settings[ConsoleSettings.orderInstances].urls
        configuration.host = settings[CommonSettings.host]
        configuration.port = port(settings)
        // No tokens: the console keeps nothing (in a container it has no data directory to write one to).
        configuration.edge = EdgePolicy.withoutCredentials(settings, logger: logger)
        return try live(configuration: configuration, logger: logger).makeApplication()
    }
}
