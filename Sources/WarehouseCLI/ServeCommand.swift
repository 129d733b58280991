import ArgumentParser
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import WarehouseKit

/// `warehouse serve <service>`: one service in this process, as a container runs it.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run one service in this process (as a container would).",
        discussion: """
            Stops gracefully on SIGTERM or SIGINT. Every setting can also be given as an environment variable \
            (--data-dir as WAREHOUSE_DATA_DIR, and so on); a flag wins over its variable.

            \(SettingsDocumentation.help(for: ServiceName.allCases.map { ("serve \($0)", $0.definition.declaredSettings) }))
            """
    )

    @Argument(help: "The service: \(ServiceName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var service: ServiceName

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settingArguments: [String] = []

    func validate() throws {
        _ = try settings()
    }

    /// The service's settings, from the command line and the environment, checked.
    func settings() throws(ValidationError) -> Settings {
        let definition = service.definition
        do {
            let settings = try Settings.parse(
                settingArguments, environment: ProcessInfo.processInfo.environment,
                declared: definition.declaredSettings, command: "serve \(service)")
            try definition.validate(settings)
            return settings
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let definition = service.definition
        let settings = try settings()
        // Before anything starts the event loops: the count cannot change once they run.
        if let loops = settings[CommonSettings.eventLoops] { NIOSingletons.groupLoopCountSuggestion = loops }
        try FileManager.default.createDirectory(at: settings.dataDirectory, withIntermediateDirectories: true)
        let logger = Logger(label: service.rawValue)
        // The service's health reports read this notice (HealthMonitor takes the task's), so that
        // readiness fails as soon as the shutdown begins.
        let notice = ShutdownNotice()
        let application = try await ShutdownNotice.$current.withValue(notice) {
            try await definition.make(settings, logger: logger)
        }
        let drain = DrainOnShutdown(
            notice: notice, delay: .milliseconds(settings[CommonSettings.shutdownDelayMs]), logger: logger)
        try await Self.run(application, drain: drain, logger: logger)
    }

    /// Runs the application until SIGTERM or SIGINT; under `warehouse up` also until the supervisor dies.
    /// A shutdown fails readiness first, waits `--shutdown-delay-ms`, then stops the server, which
    /// finishes the requests in flight.
    private static func run(_ application: any Service, drain: DrainOnShutdown, logger: Logger) async throws {
        var services: [any Service] = [application]
        if let supervisor = ProcessInfo.processInfo.environment[Supervisor.pidEnvironmentKey].flatMap(Int32.init) {
            services.append(ParentWatch(parent: supervisor))
        }
        // Last, so that it is the first to be shut down (the group goes in reverse order).
        services.append(drain)
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await group.run()
    }
}

extension ServiceName: ExpressibleByArgument {}
