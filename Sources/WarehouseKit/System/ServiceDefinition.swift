import Logging
import ServiceLifecycle

/// How one service of the system is configured and built: what `warehouse serve <name>` runs.
///
/// Each service's library conforms its service type; the command line looks the definition up by
/// name. A service reads `CommonSettings.all`, the `--<name>-url` of each dependency in its
/// `ServiceDescriptor`, and its own `settings`.
package protocol ServiceDefinition {
    static var name: ServiceName { get }

    /// Its own settings, beyond the common ones and its dependencies' URLs.
    static var settings: [any SettingDeclaration] { get }

    /// Checks the rules across its settings without starting anything: `warehouse up` checks every
    /// child's settings before it starts any.
    static func validate(_ settings: Settings) throws(SettingsError)

    /// Opens what the service keeps and builds it, ready to run in a service group (it stops
    /// gracefully with the group).
    static func make(_ settings: Settings, logger: Logger) async throws -> any Service
}

extension ServiceDefinition {
    /// Every setting `warehouse serve <name>` reads.
    package static var declaredSettings: [any SettingDeclaration] {
        CommonSettings.all + name.descriptor.dependencies.map(\.urlSetting) + settings
    }

    /// `--port`, else the service's default port.
    package static func port(_ settings: Settings) -> Int {
        settings[CommonSettings.port] ?? name.descriptor.defaultPort
    }
}
