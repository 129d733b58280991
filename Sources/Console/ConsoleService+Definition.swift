import Logging
import ServiceLifecycle
import WarehouseKit

extension ConsoleService: ServiceDefinition {
    package static var name: ServiceName { .console }
    /// Only the common settings and the URLs of the services it shows.
    package static var settings: [any SettingDeclaration] { [] }

    package static func validate(_ settings: Settings) throws(SettingsError) {}

    package static func make(_ settings: Settings, logger: Logger) async throws -> any Service {
        var configuration = ConsoleConfiguration(
            upstreams: name.descriptor.dependencies.map { ServiceEndpoint(name: $0, url: settings[$0.urlSetting].url) })
        configuration.host = settings[CommonSettings.host]
        configuration.port = port(settings)
        return try live(configuration: configuration, logger: logger).makeApplication()
    }
}
