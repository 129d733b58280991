import Backup
import Foundation
import Logging
import WarehouseKit

/// `warehouse up`'s backups, from its settings: a restore point every `--backup-every` minutes, then the
/// day's ship to the vendor, when there is one to ship to (the simulated one `--backup-vendor` runs, or
/// `--backup-vendor-url`).
struct BackupSchedule {
    /// Nil when backups are off.
    let interval: Duration?
    /// Why they are off, when they are.
    let off: String
    let repository: URL
    let keep: RetentionPolicy
    /// Nil when restore points stay local.
    let vendorURL: URL?
    /// `warehouse backup snapshot` and `ship`, as the scheduler runs them.
    let snapshotArguments: [String]
    /// What the snapshot child is given in its environment: the PostgreSQL database's URL, whose
    /// password must not be in its arguments.
    let snapshotEnvironment: [String: String]
    let shipArguments: [String]
    /// The services' one PostgreSQL database, when they keep their data there: restore points dump it.
    let database: PostgresURL?

    /// - Parameter database: the one PostgreSQL database the services keep their data in (`--postgres`,
    ///   `--database-url`), if they do: each restore point is then a dump of their schemas in it.
    init(_ settings: Settings, dataDirectory: URL, addresses: SystemAddresses, runsVendor: Bool, database: PostgresURL? = nil) {
        let minutes = settings[BackupSettings.every]
        interval = minutes == 0 ? nil : .milliseconds(Int64((minutes * 60_000).rounded()))
        off = "off (--backup-every 0)"
        self.database = database
        snapshotEnvironment = database.map { [BackupDatabaseOptions.environmentKey: $0.text] } ?? [:]
        repository =
            settings[BackupSettings.repository].map { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL }
            ?? dataDirectory.appendingPathComponent("backup", isDirectory: true)
        keep = settings[BackupSettings.keep]
        vendorURL = settings[BackupSettings.vendorURL]?.url ?? (runsVendor ? addresses.url(of: .backupVendor) : nil)
        let location = ["--data-dir", dataDirectory.path, "--repository", repository.path]
        snapshotArguments = ["backup", "snapshot", "--keep", keep.settingText] + location
        shipArguments =
            ["backup", "ship", "--vendor-url", vendorURL?.absoluteString ?? "", "--account", settings[BackupSettings.account]]
            + location
    }

    /// The scheduler, unless backups are off.
    func scheduler(logger: Logger) -> BackupScheduler? {
        interval.map {
            BackupScheduler(
                interval: $0, snapshot: snapshotArguments, snapshotEnvironment: snapshotEnvironment,
                ship: vendorURL == nil ? nil : shipArguments, logger: logger)
        }
    }

    /// The banner's line about backups.
    var summary: String {
        guard let interval else { return off }
        let seconds = interval.components.seconds
        let every = seconds % 60 == 0 && interval.components.attoseconds == 0 ? "\(seconds / 60) min" : "\(interval.seconds) s"
        let shipped = vendorURL.map { "shipped once a day to \($0.absoluteString)" } ?? "kept local (no --backup-vendor-url)"
        let dump = database.map { "a pg_dump of \($0.place) " } ?? ""
        return "\(dump)every \(every) to \(repository.path), \(shipped)"
    }
}
