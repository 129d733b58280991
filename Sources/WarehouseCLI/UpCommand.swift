import ArgumentParser
import Backup
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import WarehouseKit

/// `warehouse up`: the whole system on this machine, each service its own supervised process.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start every service as a supervised child process.",
        discussion: """
            Seeds a demo catalogue in a new data directory and writes the admin token to DIR/admin-token. \
            A child that dies is restarted (with backoff). Ctrl-C or SIGTERM stops every child and exits 0. \
            Every setting can also be given as an environment variable (--data-dir as WAREHOUSE_DATA_DIR, and \
            so on); a flag wins over its variable. Each child is given its settings on its command line.

            \(SettingsDocumentation.help(for: [("up", UpCommand.declaredSettings)]))
            """
    )

    static let readyTimeout = Setting<Int>(
        "ready-timeout", group: CommonSettings.systemGroup, default: 60, rule: .within(1...3600),
        help: "Seconds to wait for every service to be ready before giving up (exit non-zero).")

    /// Each service's port, the ready timeout, whether to run each stand-in, the backups, and every
    /// setting of every service that is not decided per child (its port, its database, the others' URLs).
    static var declaredSettings: [any SettingDeclaration] {
        var seen = Set<String>()
        let shared = SystemDeclaration.services.flatMap { $0.name.definition.declaredSettings }
            .filter { !$0.isPerProcess && seen.insert($0.name).inserted }
        let ports: [any SettingDeclaration] = SystemDeclaration.services.map { $0.name.portSetting }
        let standIns: [any SettingDeclaration] = SystemDeclaration.services.filter(\.isStandIn).map { $0.name.runSetting }
        return ports + [readyTimeout] + standIns + BackupSettings.all + shared
    }

    /// The services this `up` runs: every one but the stand-ins it was not asked to run.
    static func services(_ settings: Settings) -> [ServiceDescriptor] {
        SystemDeclaration.services.filter { !$0.isStandIn || settings[$0.name.runSetting] }
    }

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settingArguments: [String] = []

    func validate() throws {
        _ = try plan()
    }

    /// The settings, where each service listens, and the children that run them, all checked.
    func plan() throws(ValidationError) -> (settings: Settings, addresses: SystemAddresses, children: [ChildSpec]) {
        do {
            let settings = try Settings.parse(
                settingArguments, environment: ProcessInfo.processInfo.environment, declared: Self.declaredSettings,
                command: "up")
            let addresses = try Self.addresses(settings)
            let children = try Self.services(settings).map { try Self.child($0, of: settings, addresses: addresses) }
            return (settings, addresses, children)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let (settings, addresses, children) = try plan()
        let logger = Logger(label: "up")
        let directory = settings.dataDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = try AdminToken.load(
            dataDirectory: directory, given: settings[CommonSettings.adminToken], file: settings[CommonSettings.adminTokenFile])

        let running = Set(children.map(\.name))
        let supervisor = Supervisor(children: children, runDirectory: directory.appendingPathComponent("run"), logger: logger)
        let backups = BackupSchedule(settings, dataDirectory: directory, addresses: addresses, runsVendor: running.contains(.backupVendor))
        let announcer = ReadinessAnnouncer(
            endpoints: SystemDeclaration.startOrder.filter { running.contains($0.name) }.map {
                ServiceEndpoint(name: $0.name, url: addresses.url(of: $0.name))
            },
            timeout: .seconds(settings[Self.readyTimeout]),
            banner: Self.banner(addresses: addresses, running: running, dataDirectory: directory, backups: backups)
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: supervisor),
                    .init(
                        service: announcer, successTerminationBehavior: .ignore,
                        failureTerminationBehavior: .gracefullyShutdownGroup),
                ] + (backups.scheduler(logger: logger).map { [.init(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await group.run()
    }

    /// Where each service listens: `--host` and each `--<name>-port`, which must differ among the
    /// services this `up` runs.
    static func addresses(_ settings: Settings) throws(SettingsError) -> SystemAddresses {
        var addresses = SystemAddresses(host: settings[CommonSettings.host])
        for service in SystemDeclaration.services {
            addresses.ports[service.name] = settings[service.name.portSetting]
        }
        let running = services(settings)
        guard Set(running.map { addresses.port(of: $0.name) }).count == running.count else {
            let flags = running.map(\.name.portSetting.flag).joined(separator: ", ")
            throw .conflict("the ports of the services (\(flags)) must differ")
        }
        return addresses
    }

    /// The child that runs `service`: `warehouse serve <name>` with the settings of `up` it reads, its
    /// port, the URLs of the services it calls, the demo data seeded, and half the cores as event loops
    /// unless told otherwise.
    static func child(_ service: ServiceDescriptor, of settings: Settings, addresses: SystemAddresses) throws(SettingsError)
        -> ChildSpec
    {
        let definition = service.name.definition
        let declared = definition.declaredSettings
        var child = settings.restricted(to: declared)
        child[CommonSettings.port] = addresses.port(of: service.name)
        for dependency in service.dependencies {
            child[dependency.urlSetting] = ServiceURL(addresses.url(of: dependency))
        }
        if declared.contains(where: { $0.name == CommonSettings.seedDemo.name }) {
            child[CommonSettings.seedDemo] = true
        }
        // The services share the cores: order and inventory are busy at the same time. With two loops
        // each on two cores the order service switched threads 6.3-6.5 times per order instead of
        // 3.7-4.2, and spent 0.48-0.55 ms of CPU per order instead of 0.40-0.49 (wrk).
        child[CommonSettings.eventLoops] = settings[CommonSettings.eventLoops] ?? max(1, System.coreCount / 2)
        try definition.validate(child)
        return ChildSpec(
            name: service.name,
            arguments: ["serve", service.name.rawValue] + child.arguments(declared),
            environment: child.secretEnvironment(declared),
            url: addresses.url(of: service.name),
            startsAfter: service.startsAfter.map { ServiceEndpoint(name: $0, url: addresses.url(of: $0)) }
        )
    }

    /// What `up` prints once every service is ready: the page to open first, then the others, then
    /// where the data and its backups are.
    static func banner(
        addresses: SystemAddresses, running: Set<ServiceName>, dataDirectory: URL, backups: BackupSchedule
    ) -> String {
        let declared = SystemDeclaration.services.filter { running.contains($0.name) }
        let services = declared.filter(\.isHumanWindow) + declared.filter { !$0.isHumanWindow }
        let width = services.map(\.name.rawValue.count).max() ?? 0
        var lines = ["warehouse is up"]
        for service in services {
            let name = service.name.rawValue.padding(toLength: width + 2, withPad: " ", startingAt: 0)
            lines.append("  \(name)\(addresses.url(of: service.name).absoluteString)\(service.isHumanWindow ? "   <- open this in a browser" : "")")
        }
        lines.append("  \("data".padding(toLength: width + 2, withPad: " ", startingAt: 0))\(dataDirectory.path)")
        lines.append("  admin token in \(AdminToken.fileURL(in: dataDirectory).path)")
        lines.append("  \("backups".padding(toLength: width + 2, withPad: " ", startingAt: 0))\(backups.summary)")
        lines.append("Ctrl-C stops everything.")
        return lines.joined(separator: "\n")
    }
}

/// Waits until every service answers its readiness probe, then prints the banner; fails if one does
/// not become ready in time (a port already taken, say), which stops the whole group.
struct ReadinessAnnouncer: Service {
    let endpoints: [ServiceEndpoint]
    let timeout: Duration
    let banner: String

    func run() async throws {
        do {
            try await ReadinessProbe.ready.waitUntilUp(endpoints, timeout: timeout)
        } catch let timeout as ReadinessTimeout {
            throw NotReady(timeout: timeout)
        }
        FileHandle.standardOutput.write(Data((banner + "\n").utf8))
    }

    struct NotReady: Error, CustomStringConvertible {
        let timeout: ReadinessTimeout
        var description: String { "\(timeout); see its log lines above" }
    }
}
