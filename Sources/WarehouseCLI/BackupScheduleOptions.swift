import ArgumentParser
import Backup
import Foundation
import Logging

/// `warehouse up`'s backups: a restore point every `--backup-every` minutes, then the day's ship.
struct BackupScheduleOptions: ParsableArguments {
    @Option(name: .long, help: "Minutes between restore points, on the clock (:00, :15, ...); 0 turns snapshots off.")
    var backupEvery: Double = 15

    @Option(name: .long, help: "Retention after each snapshot (hourly=N,daily=N,monthly=N).")
    var backupKeep: RetentionPolicy = .standard

    @Option(name: .long, help: "The local backup repository (default: DATA-DIR/backup; best on another disk).")
    var backupRepository: String?

    @Option(
        name: .long,
        help: "Where the day's pack goes (its token: WAREHOUSE_BACKUP_VENDOR_TOKEN or DATA-DIR/backup-vendor/admin-token).")
    var backupVendorURL: String?

    @Option(name: .long, help: "The account at the backup vendor.")
    var backupAccount: String = "warehouse"

    @Flag(name: .long, help: "Also run the simulated backup vendor, with its store in DATA-DIR/backup-vendor.")
    var backupVendor = false

    @Option(name: .long, help: "Port of the simulated backup vendor (with --backup-vendor).")
    var backupVendorPort = 8083

    func validate() throws {
        guard backupEvery == 0 || (0.01...1440).contains(backupEvery) else {
            throw ValidationError("--backup-every must be 0 (off) or between 0.01 and 1440 minutes")
        }
        guard (1...65_535).contains(backupVendorPort) else {
            throw ValidationError("--backup-vendor-port must be between 1 and 65535")
        }
        if let backupVendorURL, URL(string: backupVendorURL)?.host == nil {
            throw ValidationError("--backup-vendor-url must be an http(s) URL")
        }
    }

    var interval: Duration? {
        backupEvery == 0 ? nil : .milliseconds(Int64((backupEvery * 60_000).rounded()))
    }

    func vendorURL(host: String) -> String {
        backupVendorURL ?? "http://\(host):\(backupVendorPort)"
    }

    /// The simulated vendor as a child of `up`, when asked for.
    func vendorChild(dataDirectory: URL, host: String) -> ChildSpec? {
        guard backupVendor else { return nil }
        return ChildSpec(
            name: "backup-vendor",
            arguments: [
                "serve", "backup-vendor", "--port", "\(backupVendorPort)", "--host", host, "--event-loops", "1",
                "--data-dir", dataDirectory.appendingPathComponent("backup-vendor").path,
            ],
            baseURL: URL(string: "http://\(host):\(backupVendorPort)")!)
    }

    /// The scheduler, unless snapshots are off. It ships only with a vendor token at hand.
    func scheduler(dataDirectory: URL, host: String, logger: Logger) -> BackupScheduler? {
        guard let interval else { return nil }
        let (snapshot, ship) = commands(dataDirectory: dataDirectory, host: host)
        let tokenFile = dataDirectory.appendingPathComponent("backup-vendor/admin-token")
        let hasToken =
            backupVendor || ProcessInfo.processInfo.environment[BackupVendorOptions.tokenEnvironmentKey]?.isEmpty == false
            || FileManager.default.fileExists(atPath: tokenFile.path)
        return BackupScheduler(interval: interval, snapshot: snapshot, ship: hasToken ? ship : nil, logger: logger)
    }

    /// The banner's lines about backups.
    func banner(dataDirectory: URL, host: String) -> String {
        guard let interval else { return "  backups    off (--backup-every 0)" }
        let repository = backupRepository ?? dataDirectory.appendingPathComponent("backup").path
        var lines = ["  backups    every \(Self.minutes(interval)) to \(repository), keep \(backupKeep)"]
        if backupVendor { lines.append("  backup vendor (simulated) \(vendorURL(host: host)): one pack a day") }
        return lines.joined(separator: "\n")
    }

    private static func minutes(_ interval: Duration) -> String {
        let seconds = interval.components.seconds
        return seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds) s"
    }

    /// The arguments of `warehouse backup snapshot` and `ship` for the data directory.
    func commands(dataDirectory: URL, host: String) -> (snapshot: [String], ship: [String]) {
        let location = ["--data-dir", dataDirectory.path] + (backupRepository.map { ["--repository", $0] } ?? [])
        return (
            ["backup", "snapshot", "--keep", backupKeep.description] + location,
            ["backup", "ship", "--vendor-url", vendorURL(host: host), "--account", backupAccount] + location
        )
    }
}
