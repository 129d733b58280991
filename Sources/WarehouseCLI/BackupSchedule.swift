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
    let shipArguments: [String]

    /// - Parameter onPostgreSQL: the services keep their data in one PostgreSQL database (`--postgres`,
    ///   `--database-url`), which snapshots do not cover yet: they copy SQLite files. Backups are then off,
    ///   and the banner says why, rather than taking restore points of files nobody writes.
    init(_ settings: Settings, dataDirectory: URL, addresses: SystemAddresses, runsVendor: Bool, onPostgreSQL: Bool = false) {
        let minutes = settings[BackupSettings.every]
        interval = minutes == 0 || onPostgreSQL ? nil : .milliseconds(Int64((minutes * 60_000).rounded()))
        off =
            onPostgreSQL
            ? "off: the data is in PostgreSQL, which restore points do not cover yet (docs/BACKUPS.md)"
            : "off (--backup-every 0)"
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
        interval.map { BackupScheduler(interval: $0, snapshot: snapshotArguments, ship: vendorURL == nil ? nil : shipArguments, logger: logger) }
    }

    /// The banner's line about backups.
    var summary: String {
        guard let interval else { return off }
        let seconds = interval.components.seconds
        let every = seconds % 60 == 0 && interval.components.attoseconds == 0 ? "\(seconds / 60) min" : "\(interval.seconds) s"
        let shipped = vendorURL.map { "shipped once a day to \($0.absoluteString)" } ?? "kept local (no --backup-vendor-url)"
        return "every \(every) to \(repository.path), \(shipped)"
    }
}
