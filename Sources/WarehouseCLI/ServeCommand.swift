import ArgumentParser
import BackupVendor
import Console
import Foundation
import Hummingbird
import Inventory
import Logging
import NIOCore
import Order
import ServiceLifecycle
import WarehouseKit

/// `warehouse serve <service>`: one service in this process, as a container runs it.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run one service in this process (as a container would).",
        discussion: "Stops gracefully on SIGTERM or SIGINT."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case order, inventory, console
        case backupVendor = "backup-vendor"
    }

    @Argument(help: "The service: order, inventory, console, or backup-vendor (the simulated backup vendor).")
    var service: Kind

    @Option(name: .long, help: "Port to listen on (default: order 8080, inventory 8081, console 8090, backup-vendor 8083).")
    var port: Int?

    @Option(name: .long, help: "Base URL of the inventory service (order and console).")
    var inventoryURL: String = "http://127.0.0.1:8081"

    @Option(name: .long, help: "Base URL of the order service (console only).")
    var orderURL: String = "http://127.0.0.1:8080"

    @Flag(name: .long, help: "Add the demo catalogue to a new inventory database (inventory only).")
    var seedDemo = false

    @OptionGroup(title: "Backup vendor (simulated)") var vendor: BackupVendorServeOptions

    @OptionGroup(title: "Every service") var common: CommonOptions
    @OptionGroup(title: "Order service") var order: OrderOptions
    @OptionGroup(title: "Chaos (all off by default)") var chaos: ChaosOptions

    func run() async throws {
        // Before anything starts the event loops: the count cannot change once they run.
        if let loops = common.eventLoops { NIOSingletons.groupLoopCountSuggestion = loops }
        let logger = Logger(label: service.rawValue)
        let directory = common.dataDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch service {
        case .inventory:
            var configuration = InventoryConfiguration(
                databasePath: directory.appendingPathComponent("inventory.sqlite").path,
                adminToken: try AdminToken.load(dataDirectory: directory)
            )
            configuration.host = common.host
            configuration.port = port ?? 8081
            configuration.durability = common.durability
            configuration.seedDemoCatalogue = seedDemo
            configuration.chaos = chaos.settings
            configuration.naive = common.naive
            let service = try await InventoryService.live(configuration: configuration, logger: logger)
            try await run(try service.makeApplication(), logger: logger)
        case .order:
            var configuration = OrderConfiguration(
                databasePath: directory.appendingPathComponent("orders.sqlite").path,
                inventoryURL: try Self.httpURL(inventoryURL, "--inventory-url")
            )
            configuration.host = common.host
            configuration.port = port ?? 8080
            configuration.durability = common.durability
            configuration.policy = order.policy(naive: common.naive)
            configuration.callPolicy = order.callPolicy
            configuration.adminToken = try AdminToken.load(dataDirectory: directory)
            configuration.errorAfterStore = chaos.errorAfterStore
            configuration.latencyAlertThreshold = .milliseconds(order.latencyAlertThresholdMs)
            let service = try OrderService.live(configuration: configuration, logger: logger)
            try await run(try service.makeApplication(), logger: logger)
        case .console:
            var configuration = ConsoleConfiguration(
                orderURL: try Self.httpURL(orderURL, "--order-url"),
                inventoryURL: try Self.httpURL(inventoryURL, "--inventory-url")
            )
            configuration.host = common.host
            configuration.port = port ?? 8090
            let service = try ConsoleService.live(configuration: configuration, logger: logger)
            try await run(try service.makeApplication(), logger: logger)
        case .backupVendor:
            let service = try BackupVendorService(
                configuration: vendor.configuration(store: directory, host: common.host, port: port ?? 8083), logger: logger)
            try await run(try service.makeApplication(), logger: logger)
        }
    }

    private static func httpURL(_ text: String, _ flag: String) throws -> URL {
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("\(flag) must be an http(s) URL")
        }
        return url
    }

    /// Runs the application until SIGTERM or SIGINT; under `warehouse up` also until the supervisor dies.
    private func run(_ application: some ApplicationProtocol, logger: Logger) async throws {
        var services: [any Service] = [application]
        if let supervisor = ProcessInfo.processInfo.environment[Supervisor.pidEnvironmentKey].flatMap(Int32.init) {
            services.append(ParentWatch(parent: supervisor))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await group.run()
    }
}
