import Backup
import Console
import Foundation
import Inventory
import Logging
import Order
import Testing
import WarehouseKit

@testable import WarehouseCLI

@Suite("warehouse up")
struct UpCommandTests {
    private func upSettings(_ arguments: [String], _ environment: [String: String] = [:]) throws -> Settings {
        try Settings.parse(arguments, environment: environment, declared: UpCommand.declaredSettings, command: "up")
    }

    /// What a child is given is what `serve` reads back: the settings of `up` it reads, its port, the
    /// URLs of the services it calls.
    @Test("each child's command line reads back, under serve, as the settings up was given", arguments: ServiceName.allCases)
    func childSettingsRoundTrip(_ service: ServiceName) throws {
        let settings = try upSettings(
            ["--order-port", "9080", "--inventory-port", "9081", "--gremlin-every", "5", "--order-deadline-ms", "1500",
             "--naive", "--attention-after-s", "60", "--deduction-retention-h", "100", "--backup-every", "5"],
            ["WAREHOUSE_DURABILITY": "normal", "WAREHOUSE_ADMIN_TOKEN": "t0ken", "WAREHOUSE_PORT": "1"])
        let addresses = try UpCommand.addresses(settings)
        let child = try UpCommand.child(service.descriptor, of: settings, addresses: addresses)
        #expect(Array(child.arguments.prefix(2)) == ["serve", service.rawValue])
        #expect(child.environment == ["WAREHOUSE_ADMIN_TOKEN": "t0ken"])
        #expect(child.url == addresses.url(of: service))

        let definition = service.definition
        let read = try Settings.parse(
            Array(child.arguments.dropFirst(2)), environment: child.environment, declared: definition.declaredSettings,
            command: "serve \(service)")
        #expect(definition.port(read) == addresses.port(of: service))
        #expect(read[CommonSettings.durability] == .normal)
        #expect(read[CommonSettings.naive])
        #expect(read[CommonSettings.adminToken] == "t0ken")
        #expect(read[CommonSettings.eventLoops] != nil)
        for dependency in service.descriptor.dependencies {
            #expect(read[dependency.urlSetting].url == addresses.url(of: dependency))
        }
        switch service {
        case .order:
            #expect(read[OrderSettings.deadline] == 1500)
            #expect(read[OrderSettings.attentionAfter] == 60)
            #expect(!read.isGiven(CommonSettings.seedDemo))
        case .inventory:
            #expect(read[CommonSettings.seedDemo])
            #expect(child.arguments.contains("--gremlin-every"))
            #expect(read[DeductionRetention.setting] == 100)
        case .notification:
            #expect(child.startsAfter.map(\.name) == [.order], "it reads order's feed, so it starts once order is ready")
            #expect(!child.arguments.contains("--gremlin-every"))
            #expect(!child.arguments.contains("--event-retention-h"))
        case .console:
            #expect(!child.arguments.contains("--gremlin-every"))
            #expect(!child.arguments.contains("--order-deadline-ms"))
        case .backupVendor:
            #expect(!child.arguments.contains("--gremlin-every"))
            #expect(!child.arguments.contains("--backup-every"), "the backups are up's, not the vendor's")
            #expect(!child.arguments.contains("--attention-after-s") && !child.arguments.contains("--deduction-retention-h"))
        }
        if service != .notification { #expect(child.startsAfter.isEmpty) }
    }

    @Test("two services on one port are refused before anything starts")
    func portsMustDiffer() throws {
        let settings = try upSettings(["--order-port", "9000", "--console-port", "9000"])
        #expect(throws: SettingsError.self) { try UpCommand.addresses(settings) }
    }

    @Test("inventory must keep deduction keys longer than order keeps Idempotency-Keys")
    func retentionsChecked() throws {
        try UpCommand.checkRetentions(try upSettings([]))
        try UpCommand.checkRetentions(try upSettings(["--idempotency-retention-h", "48", "--deduction-retention-h", "49"]))
        #expect(throws: SettingsError.self) {
            try UpCommand.checkRetentions(try upSettings(["--idempotency-retention-h", "48", "--deduction-retention-h", "48"]))
        }
        #expect(throws: SettingsError.self) { try UpCommand.checkRetentions(try upSettings(["--idempotency-retention-h", "1000"])) }
    }

    @Test("a rule across a child's settings is checked by up itself")
    func childRulesChecked() throws {
        let settings = try upSettings(["--gremlin-every", "2", "--gremlin-fraction", "0.5"])
        let addresses = try UpCommand.addresses(settings)
        #expect(throws: SettingsError.conflict("give --gremlin-every or --gremlin-fraction, not both")) {
            try UpCommand.child(ServiceName.inventory.descriptor, of: settings, addresses: addresses)
        }
    }

    @Test("up does not take what it decides per child")
    func perChildSettingsRefused() throws {
        for flag in ["--port", "--inventory-url", "--seed-demo", "--database-url"] {
            #expect(throws: SettingsError.self, "\(flag)") { try upSettings([flag, "x"]) }
        }
    }

    @Test("with order replicas the console is given each replica's own URL, for the latency alert; without, none")
    func consoleGetsOrderReplicas() throws {
        let settings = try upSettings([])
        var addresses = try UpCommand.addresses(settings)
        let alone = try UpCommand.child(ServiceName.console.descriptor, of: settings, addresses: addresses)
        #expect(!alone.arguments.contains(ConsoleSettings.orderInstances.flag))
        addresses.replicaPorts[.order] = [9101, 9102]
        let console = try UpCommand.child(ServiceName.console.descriptor, of: settings, addresses: addresses)
        let read = try Settings.parse(
            Array(console.arguments.dropFirst(2)), environment: console.environment,
            declared: ServiceName.console.definition.declaredSettings, command: "serve console")
        #expect(read[ConsoleSettings.orderInstances].urls.map(\.absoluteString) == ["http://127.0.0.1:9101", "http://127.0.0.1:9102"])
        // Order's other callers still go through the balancer.
        #expect(read[ServiceName.order.urlSetting].url == addresses.url(of: .order))
    }

    @Test("a child's environment has no WAREHOUSE_ setting but its secrets and the supervisor's pid")
    func childEnvironment() throws {
        let settings = try upSettings([], ["WAREHOUSE_ADMIN_TOKEN": "t0ken"])
        let child = try UpCommand.child(ServiceName.order.descriptor, of: settings, addresses: try UpCommand.addresses(settings))
        let environment = Supervisor.environment(
            of: child, inheriting: ["PATH": "/bin", "WAREHOUSE_DATABASE_URL": "sqlite:///elsewhere.sqlite", "WAREHOUSE_ADMIN_TOKEN": "t0ken"])
        #expect(environment["PATH"] == "/bin")
        #expect(environment["WAREHOUSE_DATABASE_URL"] == nil)
        #expect(environment["WAREHOUSE_ADMIN_TOKEN"] == "t0ken")
        #expect(environment[Supervisor.pidEnvironmentKey] != nil)
    }

    @Test("the banner points at the console first, then every other service it runs, then the data and its backups")
    func banner() throws {
        let settings = try upSettings([])
        let directory = URL(fileURLWithPath: "/tmp/data")
        let backups = BackupSchedule(settings, dataDirectory: directory, addresses: SystemAddresses(), runsVendor: false)
        let banner = UpCommand.banner(
            addresses: SystemAddresses(), running: Set(UpCommand.services(settings).map(\.name)), dataDirectory: directory,
            backups: backups)
        let lines = banner.split(separator: "\n").map(String.init)
        #expect(lines[1] == "  console       http://127.0.0.1:8090   <- open this in a browser")
        #expect(lines[2] == "  order         http://127.0.0.1:8080")
        #expect(lines[3] == "  inventory     http://127.0.0.1:8081")
        #expect(lines[4] == "  notification  http://127.0.0.1:8082")
        #expect(lines[5].hasPrefix("  data"))
        #expect(lines[7] == "  backups       every 15 min to /tmp/data/backup, kept local (no --backup-vendor-url)")
    }

    @Test("the backup vendor, a stand-in, runs only when asked; then backups ship to it")
    func standInOnlyWhenAsked() throws {
        let plain = try upSettings([])
        #expect(!UpCommand.services(plain).map(\.name).contains(.backupVendor))
        #expect(UpCommand.services(plain).count == ServiceName.allCases.count - 1)
        // Its default port may be taken by a service when it does not run.
        _ = try UpCommand.addresses(try upSettings(["--order-port", "8083"]))

        let asked = try upSettings(["--backup-vendor", "--backup-vendor-port", "9083"])
        #expect(UpCommand.services(asked).map(\.name).contains(.backupVendor))
        #expect(throws: SettingsError.self) {
            try UpCommand.addresses(try upSettings(["--backup-vendor", "--order-port", "8083"]))
        }
        let addresses = try UpCommand.addresses(asked)
        let backups = BackupSchedule(asked, dataDirectory: URL(fileURLWithPath: "/d"), addresses: addresses, runsVendor: true)
        #expect(backups.vendorURL?.absoluteString == "http://127.0.0.1:9083")
        #expect(backups.shipArguments.starts(with: ["backup", "ship", "--vendor-url", "http://127.0.0.1:9083", "--account", "warehouse"]))
        #expect(backups.snapshotArguments == ["backup", "snapshot", "--keep", "hourly=48,daily=30,monthly=12", "--data-dir", "/d", "--repository", "/d/backup"])
    }

    @Test("the backup settings are read like every other: flags, WAREHOUSE_* variables, the token from the environment only")
    func backupSettings() throws {
        let settings = try upSettings(
            ["--backup-every", "0"],
            ["WAREHOUSE_BACKUP_KEEP": "daily=7", "WAREHOUSE_BACKUP_VENDOR_URL": "https://vendor.example", "WAREHOUSE_BACKUP_VENDOR_TOKEN": "s3cret"])
        let backups = BackupSchedule(settings, dataDirectory: URL(fileURLWithPath: "/d"), addresses: SystemAddresses(), runsVendor: false)
        #expect(backups.interval == nil)
        #expect(backups.keep == RetentionPolicy(hourly: 0, daily: 7, monthly: 0))
        #expect(backups.vendorURL?.absoluteString == "https://vendor.example")
        #expect(backups.scheduler(logger: Logger(label: "test")) == nil)
        #expect(throws: SettingsError.self) { try upSettings(["--backup-vendor-token", "s3cret"]) }
        #expect(throws: SettingsError.self) { try upSettings(["--backup-every", "0.001"]) }
        #expect(throws: SettingsError.self) { try upSettings(["--backup-keep", "weekly=3"]) }
        #expect(throws: SettingsError.self) { try upSettings(["--backup-account", "../x"]) }
    }

    @Test("on PostgreSQL, restore points are dumps of its database, whose URL goes to the snapshot in its environment, not its arguments")
    func backupsOnPostgreSQL() throws {
        let settings = try upSettings(["--backup-every", "5"])
        let database = PostgresURL(host: "127.0.0.1", port: 5544, username: "w", password: "s3cret", database: "warehouse")
        let backups = BackupSchedule(
            settings, dataDirectory: URL(fileURLWithPath: "/d"), addresses: SystemAddresses(), runsVendor: false, database: database)
        #expect(backups.interval == .seconds(300))
        #expect(backups.scheduler(logger: Logger(label: "test")) != nil)
        #expect(backups.summary.hasPrefix("a pg_dump of 127.0.0.1:5544/warehouse every 5 min"), "\(backups.summary)")
        #expect(!backups.snapshotArguments.joined(separator: " ").contains("s3cret"))
        #expect(backups.snapshotEnvironment == ["WAREHOUSE_DATABASE_URL": database.text])
        let onSQLite = BackupSchedule(settings, dataDirectory: URL(fileURLWithPath: "/d"), addresses: SystemAddresses(), runsVendor: false)
        #expect(onSQLite.snapshotEnvironment.isEmpty)
    }

    @Test("every service has a definition under its own name")
    func definitions() {
        for service in ServiceName.allCases {
            #expect(service.definition.name == service)
        }
    }

    @Test("a child that served, or crashed on purpose after a commit before its probe saw it, is restarted at once")
    func restartsWaitOnlyForChildrenThatCannotStart() {
        #expect(Supervisor.failedStarts(after: SIGKILL, becameReady: true, before: 3) == 0)
        #expect(Supervisor.failedStarts(after: ChaosControl.crashExitStatus, becameReady: false, before: 3) == 0)
        #expect(Supervisor.failedStarts(after: 1, becameReady: false, before: 3) == 4, "a child that dies before it is ready")
    }
}
