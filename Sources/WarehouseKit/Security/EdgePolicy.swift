import Hummingbird
import Logging
import ServiceLifecycle

/// How one service meets the network: the host names it answers for, the origins a browser may change
/// things from, the credentials its guarded endpoints check, and the limits on its connections. Every
/// service has one, read from the common settings (`warehouse settings`, "Security" and "Connection
/// limits"); `ServiceRouterBuilder` and `application(...)` apply it the same way everywhere.
package struct EdgePolicy: Sendable {
    package var credentials: Credentials
    package var hosts: HostAllowList
    package var origins: OriginAllowList
    package var limits: ServerLimits

    /// - Parameter credentials: unguessable by default: guarded endpoints refuse every call.
    package init(
        credentials: Credentials = .unguessable(),
        hosts: HostAllowList = HostAllowList(),
        origins: OriginAllowList = OriginAllowList(),
        limits: ServerLimits = ServerLimits()
    ) {
        self.credentials = credentials
        self.hosts = hosts
        self.origins = origins
        self.limits = limits
    }

    /// The policy `settings` describe, with both tokens loaded (and made, in the data directory, when
    /// missing).
    package static func load(_ settings: Settings, logger: Logger) throws -> EdgePolicy {
        var policy = withoutCredentials(settings, logger: logger)
        policy.credentials = try Credentials.load(settings, logger: logger)
        return policy
    }

    /// The policy `settings` describe for a service that checks no token (the console).
    package static func withoutCredentials(_ settings: Settings, logger: Logger) -> EdgePolicy {
        let policy = EdgePolicy(
            hosts: settings[CommonSettings.allowedHosts], origins: settings[CommonSettings.allowedOrigins],
            limits: ServerLimits(settings: settings))
        policy.limits.checkFileLimit(logger: logger)
        return policy
    }

    /// The service's HTTP server: `router` on `host:port`, with the connection limits.
    package func application(
        router: Router<BasicRequestContext>,
        host: String,
        port: Int,
        serverName: String,
        services: [any Service],
        logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router,
            server: limits.server(logger: logger),
            configuration: limits.configuration(host: host, port: port, serverName: serverName, logger: logger),
            services: services,
            logger: logger
        )
    }
}
