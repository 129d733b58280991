import ArgumentParser
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
            A child that dies is restarted (with backoff). Ctrl-C or SIGTERM stops every child and exits 0.
            """
    )

    @Option(name: .long, help: "Port of the order service.")
    var orderPort = 8080

    @Option(name: .long, help: "Port of the inventory service.")
    var inventoryPort = 8081

    @Option(name: .long, help: "Port of the console, the human window.")
    var consolePort = 8090

    @Option(name: .long, help: "Seconds to wait for every service to be ready before giving up.")
    var readyTimeout = 60

    @OptionGroup(title: "Every service") var common: CommonOptions
    @OptionGroup(title: "Order service") var order: OrderOptions
    @OptionGroup(title: "Chaos (all off by default)") var chaos: ChaosOptions
    @OptionGroup(title: "Backups") var backup: BackupScheduleOptions

    func validate() throws {
        for (name, port) in [("order", orderPort), ("inventory", inventoryPort), ("console", consolePort)] {
            guard (1...65_535).contains(port) else { throw ValidationError("--\(name)-port must be between 1 and 65535") }
        }
        guard Set([orderPort, inventoryPort, consolePort]).count == 3 else {
            throw ValidationError("the order, inventory and console ports must differ")
        }
        if backup.backupVendor, [orderPort, inventoryPort, consolePort].contains(backup.backupVendorPort) {
            throw ValidationError("--backup-vendor-port must differ from the services' ports")
        }
    }

    func run() async throws {
        let logger = Logger(label: "up")
        let directory = common.dataDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = try AdminToken.load(dataDirectory: directory)

        // Order and inventory are busy at the same time on the same cores: each gets half of them as
        // event loops. With two each on two cores the order service switched threads 6.3-6.5 times per
        // order instead of 3.7-4.2, and spent 0.48-0.55 ms of CPU per order instead of 0.40-0.49 (wrk).
        var common = self.common
        common.eventLoops = common.eventLoops ?? max(1, System.coreCount / 2)
        let inventoryURL = URL(string: "http://\(common.host):\(inventoryPort)")!
        let orderURL = URL(string: "http://\(common.host):\(orderPort)")!
        let consoleURL = URL(string: "http://\(common.host):\(consolePort)")!
        let children = [
            ChildSpec(
                name: "inventory",
                arguments: ["serve", "inventory", "--port", "\(inventoryPort)", "--seed-demo"] + common.arguments
                    + chaos.arguments,
                baseURL: inventoryURL
            ),
            ChildSpec(
                name: "order",
                arguments: ["serve", "order", "--port", "\(orderPort)", "--inventory-url", inventoryURL.absoluteString]
                    + common.arguments + order.arguments + chaos.arguments,
                baseURL: orderURL
            ),
            ChildSpec(
                name: "console",
                arguments: [
                    "serve", "console", "--port", "\(consolePort)", "--order-url", orderURL.absoluteString,
                    "--inventory-url", inventoryURL.absoluteString,
                ] + common.arguments,
                baseURL: consoleURL
            ),
        ]
        // The simulated vendor is supervised like the services, but nothing waits for it: it is another
        // company's service, and the system serves without it.
        let vendor = backup.vendorChild(dataDirectory: directory, host: common.host)
        let supervisor = Supervisor(
            children: children + (vendor.map { [$0] } ?? []), runDirectory: directory.appendingPathComponent("run"),
            logger: logger)
        let backups = backup.scheduler(dataDirectory: directory, host: common.host, logger: logger)
        let announcer = ReadinessAnnouncer(
            children: children,
            timeout: .seconds(readyTimeout),
            banner: """
                warehouse is up
                  console    \(consoleURL.absoluteString)   <- open this in a browser
                  order      \(orderURL.absoluteString)
                  inventory  \(inventoryURL.absoluteString)
                  data       \(directory.path)
                  admin token in \(AdminToken.fileURL(in: directory).path)
                \(backup.banner(dataDirectory: directory, host: common.host))
                Ctrl-C stops everything.
                """
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: supervisor),
                    .init(
                        service: announcer, successTerminationBehavior: .ignore,
                        failureTerminationBehavior: .gracefullyShutdownGroup),
                ] + (backups.map { [.init(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await group.run()
    }
}

/// Waits until every child answers its readiness probe, then prints the banner; fails if one does
/// not become ready in time (a port already taken, say), which stops the whole group.
struct ReadinessAnnouncer: Service {
    let children: [ChildSpec]
    let timeout: Duration
    let banner: String

    func run() async throws {
        let giveUp = ContinuousClock.now + timeout
        for child in children {
            while !(await ReadinessProbe.isReady(child.name, at: child.baseURL.absoluteString)) {
                guard ContinuousClock.now < giveUp else {
                    throw ReadinessTimeout(child: child.name, seconds: Int(timeout.seconds))
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        FileHandle.standardOutput.write(Data((banner + "\n").utf8))
    }
}

struct ReadinessTimeout: Error, CustomStringConvertible {
    let child: String
    let seconds: Int
    var description: String { "\(child) was not ready after \(seconds) s; see its log lines above" }
}
