import ArgumentParser
import Backup
import Console
import Foundation
import Inventory
import Logging
import NIOCore
import Order
import ServiceLifecycle
import WarehouseKit
import WarehouseLab

/// `warehouse up`: the whole system on this machine, each service its own supervised process.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start every service as a supervised child process.",
        discussion: """
            Seeds a demo catalogue in a new data directory and writes the admin token to DIR/admin-token and the \
            service token the services show each other to DIR/service-token (both mode 0600, the directory 0700). \
            A child that dies is restarted (with backoff). Ctrl-C or SIGTERM stops every child and exits 0. \
            Every setting can also be given as an environment variable (--data-dir as WAREHOUSE_DATA_DIR, and \
            so on); a flag wins over its variable. Each child is given its settings on its command line.

            \(SettingsDocumentation.help(for: [("up", UpCommand.declaredSettings)]))
            """
    )

    static let readyTimeout = Setting<Int>(
        "ready-timeout", group: CommonSettings.systemGroup, default: 60, rule: .within(1...3600),
        help: "Seconds to wait for every service to be ready before giving up (exit non-zero).")

    static let postgres = Setting<Bool>(
        "postgres", group: CommonSettings.systemGroup, default: false,
        help: "Keep every service's data in a throwaway PostgreSQL cluster in DATA-DIR/postgres: made on first use (initdb), started on a free port, stopped with the system. As root it runs as the system user warehouse-pg (made when missing).")

    static let databaseURL = Setting<DatabaseURL?>(
        "database-url", group: CommonSettings.systemGroup, default: nil,
        defaultDescription: "an SQLite file per service in DATA-DIR",
        help: "A PostgreSQL database for the whole system, postgres://user[:password]@host[:port]/database; each service keeps its tables in a schema of its own there (orders, inventory, notifications).")

    static let replicas = Setting<ReplicaCounts>(
        "replicas", group: CommonSettings.systemGroup, default: ReplicaCounts(), defaultDescription: "one of each",
        help: "Run several processes of a service, such as order=2,inventory=2, on one PostgreSQL database (--postgres or --database-url), behind HAProxy (Debian's haproxy package) on the service's port, which sends requests only to replicas whose /health/ready passes.")

    /// Each service's port, the ready timeout, the database, whether to run each stand-in, the backups, and
    /// every setting of every service that is not decided per child (its port, its database, the others' URLs).
    static var declaredSettings: [any SettingDeclaration] {
        var seen = Set<String>()
        let shared = SystemDeclaration.services.flatMap { $0.name.definition.declaredSettings }
            .filter { !$0.isPerProcess && seen.insert($0.name).inserted }
        let ports: [any SettingDeclaration] = SystemDeclaration.services.map { $0.name.portSetting }
        let standIns: [any SettingDeclaration] = SystemDeclaration.services.filter(\.isStandIn).map { $0.name.runSetting }
        return ports + [readyTimeout, postgres, databaseURL, replicas] + standIns + BackupSettings.all + shared
    }

    /// The services this `up` runs: every one but the stand-ins it was not asked to run.
    static func services(_ settings: Settings) -> [ServiceDescriptor] {
        SystemDeclaration.services.filter { !$0.isStandIn || settings[$0.name.runSetting] }
    }

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settingArguments: [String] = []

    func validate() throws {
        _ = try plan(database: Self.placeholderDatabase)
    }

    /// What the children are planned with before the local cluster has its port.
    static let placeholderDatabase = DatabaseURL.postgres(PostgresURL(host: "127.0.0.1", username: "warehouse", database: "warehouse"))

    /// The settings, where each service listens, and the children that run them, all checked.
    ///
    /// - Parameter database: the local cluster's database, under `--postgres`.
    func plan(database local: DatabaseURL? = nil) throws(ValidationError) -> (
        settings: Settings, addresses: SystemAddresses, children: [ChildSpec]
    ) {
        do {
            let settings = try Settings.parse(
                settingArguments, environment: ProcessInfo.processInfo.environment, declared: Self.declaredSettings,
                command: "up")
            var addresses = try Self.addresses(settings)
            try Self.checkRetentions(settings)
            let database = try Self.database(settings, local: local, flagGiven: settingArguments.contains(where: Self.isDatabaseURLFlag))
            let counts = settings[Self.replicas]
            if counts.isReplicated {
                guard case .postgres = database else {
                    throw SettingsError.conflict(
                        "--replicas needs PostgreSQL (--postgres or --database-url postgres://…): an SQLite file has one writer on one machine")
                }
                guard HAProxyBalancer.executable() != nil else {
                    throw SettingsError.conflict("--replicas runs HAProxy in front of the replicas: install the Debian package haproxy")
                }
                // Chosen before any child is described: the console is told every order replica's port.
                for service in Self.services(settings) where counts.count(of: service.name) > 1 {
                    addresses.replicaPorts[service.name] = try FreePorts.take(counts.count(of: service.name))
                }
            }
            let children = try Self.services(settings).flatMap {
                try Self.children($0, replicas: counts, of: settings, addresses: addresses, database: database)
            }
            return (settings, addresses, children)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The one database every service keeps its schema in, when not an SQLite file each.
    ///
    /// An `sqlite://` URL names one service's file: `up` refuses it as a flag, and ignores it in its
    /// environment (`WAREHOUSE_DATABASE_URL` meant for a single `serve`), where every child keeps its own file.
    /// `--postgres` wins over a URL in the environment.
    static func database(_ settings: Settings, local: DatabaseURL?, flagGiven: Bool) throws(SettingsError) -> DatabaseURL? {
        switch (settings[postgres], settings[databaseURL]) {
        case (true, .some) where flagGiven:
            throw .conflict("--postgres runs a database of its own; give it or --database-url, not both")
        case (true, _):
            return local
        case (false, .some(.sqlite)) where !flagGiven:
            return nil
        case (false, .some(.sqlite)):
            throw .conflict("--database-url of `up` names one database for every service: a postgres:// URL (each service keeps an SQLite file of its own by default)")
        case (false, let given):
            return given
        }
    }

    /// Inventory must keep a deduction key's record longer than the order service may send the key
    /// again (its `Idempotency-Key` retention bounds replays and admin retries, the reconciler stops
    /// sooner): a shorter retention could deduct one order twice.
    static func checkRetentions(_ settings: Settings) throws(SettingsError) {
        let deductions = settings[DeductionRetention.setting]
        let keys = settings[OrderSettings.idempotencyRetention]
        guard deductions > keys else {
            throw .conflict(
                "--deduction-retention-h (\(deductions)) must be longer than --idempotency-retention-h (\(keys)): inventory must remember a key as long as the order service may send it again")
        }
    }

    private static func isDatabaseURLFlag(_ argument: String) -> Bool {
        argument == databaseURL.flag || argument.hasPrefix(databaseURL.flag + "=")
    }

    func run() async throws {
        let (settings, _, _) = try plan(database: Self.placeholderDatabase)
        let logger = Logger(label: "up")
        let directory = settings.dataDirectory
        try SecretFile.makePrivateDirectory(directory)
        // Made here, before any child starts: every service of this data directory shares them. Before
        // the local cluster too, which lets its system user through (search only) the data directory.
        _ = try Credentials.load(settings, logger: logger)
        var cluster: RunningPostgres?
        if settings[Self.postgres] {
            let local = try LocalPostgres(directory: directory.appendingPathComponent("postgres"), durability: settings[CommonSettings.durability])
            cluster = try await local.start(logger: logger)
            logger.info("local PostgreSQL started", metadata: ["url": "\(cluster!.url.redacted)", "log": "\(local.logFile.path)"])
        }
        let (_, addresses, children) = try plan(database: cluster.map { .postgres($0.url) })

        let running = Set(children.map(\.name))
        let supervisor = Supervisor(children: children, runDirectory: directory.appendingPathComponent("run"), logger: logger)
        let shared = try Self.database(
            settings, local: cluster.map { .postgres($0.url) }, flagGiven: settingArguments.contains(where: Self.isDatabaseURLFlag))
        let backups = BackupSchedule(
            settings, dataDirectory: directory, addresses: addresses, runsVendor: running.contains(.backupVendor),
            database: shared.flatMap { if case .postgres(let url) = $0 { url } else { nil } })
        let announcer = ReadinessAnnouncer(
            endpoints: SystemDeclaration.startOrder.filter { running.contains($0.name) }.map {
                ServiceEndpoint(name: $0.name, url: addresses.url(of: $0.name))
            },
            timeout: .seconds(settings[Self.readyTimeout]),
            banner: Self.banner(addresses: addresses, running: running, dataDirectory: directory, backups: backups)
        )
        // Listed first, so the group stops it last: after every service has stopped.
        let database: [ServiceGroupConfiguration.ServiceConfiguration] = cluster.map { [.init(service: LocalPostgresService(server: $0))] } ?? []
        let group = ServiceGroup(
            configuration: .init(
                services: database + [
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

    /// The processes of `service`: the one child that serves it, or its replicas on their ports
    /// (`addresses.replicaPorts`) and the HAProxy balancer that takes the service's port in front of them.
    static func children(
        _ service: ServiceDescriptor, replicas counts: ReplicaCounts, of settings: Settings, addresses: SystemAddresses,
        database: DatabaseURL?
    ) throws -> [ChildSpec] {
        let instances = counts.instances(of: service.name)
        guard instances.count > 1, let haproxy = HAProxyBalancer.executable(), let ports = addresses.replicaPorts[service.name]
        else {
            return [try child(service, of: settings, addresses: addresses, database: database)]
        }
        var replicas: [ChildSpec] = []
        for (instance, port) in zip(instances, ports) {
            var spec = try child(service, of: settings, addresses: addresses, database: database, port: port)
            spec.instance = instance
            replicas.append(spec)
        }
        let balancer = HAProxyBalancer(
            service: service.name, host: addresses.host, publicPort: addresses.port(of: service.name), replicaPorts: ports)
        let runDirectory = settings.dataDirectory.appendingPathComponent("run")
        return replicas + [
            ChildSpec(
                name: service.name, instance: "\(service.name)-balancer", executable: haproxy,
                arguments: try balancer.arguments(writingTo: runDirectory), environment: [:], url: addresses.url(of: service.name),
                startsAfter: replicas.map(\.endpoint))
        ]
    }

    /// The child that runs `service`: `warehouse serve <name>` with the settings of `up` it reads, its
    /// port, the URLs of the services it calls, the demo data seeded, and half the cores as event loops
    /// unless told otherwise.
    ///
    /// - Parameter port: where this process listens, when not at the service's address (a replica).
    static func child(
        _ service: ServiceDescriptor, of settings: Settings, addresses: SystemAddresses, database: DatabaseURL? = nil,
        port: Int? = nil
    ) throws(SettingsError) -> ChildSpec {
        let definition = service.name.definition
        let declared = definition.declaredSettings
        var child = settings.restricted(to: declared)
        child[CommonSettings.port] = port ?? addresses.port(of: service.name)
        if declared.contains(where: { $0.name == CommonSettings.databaseURL.name }) {
            // The system's one database, or none: then the child keeps its own file in the data
            // directory, whatever URL `up` itself was given in its environment.
            child[CommonSettings.databaseURL] = database
        }
        for dependency in service.dependencies {
            child[dependency.urlSetting] = ServiceURL(addresses.url(of: dependency))
        }
        if declared.contains(where: { $0.name == ConsoleSettings.orderInstances.name }) {
            // Each order replica by its own port: through the balancer the latency alert would see one.
            child[ConsoleSettings.orderInstances] = ServiceURLList(addresses.replicaURLs(of: .order))
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
            url: port.map { URL(string: "http://\(addresses.host):\($0)")! } ?? addresses.url(of: service.name),
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
        lines.append("  admin token in \(Credential.admin.fileURL(in: dataDirectory).path)")
        lines.append("  \("backups".padding(toLength: width + 2, withPad: " ", startingAt: 0))\(backups.summary)")
        lines.append("Ctrl-C stops everything.")
        return lines.joined(separator: "\n")
    }
}

/// The local PostgreSQL server of `up --postgres`: stopped (fast shutdown) when the system stops.
struct LocalPostgresService: Service {
    let server: RunningPostgres

    func run() async throws {
        try? await gracefulShutdown()
        await server.stop()
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
