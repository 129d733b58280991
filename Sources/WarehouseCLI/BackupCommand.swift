import ArgumentParser
import Backup
import BackupVendorAPI
import Foundation
import WarehouseKit

/// `warehouse backup`: restore points of the databases, the daily call to the vendor, and restores.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Snapshot the databases, ship restore points to the backup vendor, restore them.",
        discussion: """
            Snapshots are consistent copies of every database, deduplicated in a local repository \
            (DIR/backup by default). Once a UTC day, `ship` makes the vendor's one call: one pack, \
            encrypted with the key in the repository (keep a copy of it off this machine), carrying every \
            restore point since the last confirmed call. `restore` brings a restore point back from the \
            repository or from the vendor's copy alone. See docs/BACKUPS.md.
            """,
        subcommands: [
            BackupSnapshotCommand.self, BackupShipCommand.self, BackupListCommand.self, BackupRestoreCommand.self,
            BackupVerifyCommand.self, BackupPruneCommand.self, BackupDrillCommand.self,
        ]
    )
}

/// Where the databases, the repository and its key are.
struct BackupRepositoryOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory whose databases are backed up.")
    var dataDir: String = "./data"

    @Option(name: .long, help: "The local backup repository (default: DATA-DIR/backup; best on another disk).")
    var repository: String?

    @Option(
        name: .long,
        help: "The key that seals packs for the vendor (default: REPOSITORY/key; or WAREHOUSE_BACKUP_KEY, base64).")
    var keyFile: String?

    var dataDirectory: URL { URL(fileURLWithPath: dataDir, isDirectory: true).standardizedFileURL }

    var repositoryURL: URL {
        repository.map { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL }
            ?? dataDirectory.appendingPathComponent("backup", isDirectory: true)
    }

    var keyURL: URL {
        keyFile.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? repositoryURL.appendingPathComponent("key")
    }
}

/// How to reach the vendor.
struct BackupVendorOptions: ParsableArguments {
    static let tokenEnvironmentKey = BackupSettings.vendorToken.environmentName

    @Option(name: .long, help: "The backup vendor.")
    var vendorURL: String = SystemAddresses().url(of: .backupVendor).absoluteString

    @Option(name: .long, help: "The account at the vendor.")
    var account: String = "warehouse"

    @Option(
        name: .long,
        help: """
            The vendor's token (default: DATA-DIR/backup-vendor/admin-token, where `up`'s simulated vendor keeps it; \
            or WAREHOUSE_BACKUP_VENDOR_TOKEN).
            """)
    var vendorTokenFile: String?

    func validate() throws {
        guard let url = URL(string: vendorURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--vendor-url must be an http(s) URL")
        }
        guard BackupVendorNames.isValid(account) else {
            throw ValidationError("--account must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit")
        }
    }

    func token(dataDirectory: URL) throws -> String {
        if let token = ProcessInfo.processInfo.environment[Self.tokenEnvironmentKey], !token.isEmpty { return token }
        let file = vendorTokenFile.map { URL(fileURLWithPath: $0) } ?? BackupSettings.vendorTokenFile(in: dataDirectory)
        guard let text = try? String(contentsOf: file, encoding: .utf8), !text.isEmpty else {
            throw ValidationError("no vendor token: \(file.path) is missing and \(Self.tokenEnvironmentKey) is not set")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `body` with a client for the vendor.
    func withVendor<T>(
        dataDirectory: URL, crashPoint: CrashPoint = CrashPoint(nil), _ body: (HTTPBackupVendorClient) async throws -> T
    ) async throws -> T {
        try await HTTPBackupVendorClient.with(
            baseURL: URL(string: vendorURL)!, token: try token(dataDirectory: dataDirectory), crashPoint: crashPoint, body)
    }
}

/// Where a restore, list or verify reads restore points from.
enum BackupSource: String, CaseIterable {
    /// The local repository.
    case local
    /// The vendor's copy alone: every pack downloaded and opened with the key.
    case vendor
}

/// `--now` for tests and the simulated day: the instant the command takes as now.
func parseNow(_ text: String?) throws -> Date {
    guard let text else { return Date() }
    guard let date = BackupTime.parse(text) else { throw ValidationError("--now must be an ISO 8601 date-time") }
    return date
}

/// Byte counts as people read them.
func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

/// Lowers this process's CPU priority: a backup is background work, and the services come first.
func yieldCPUToServices() {
    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
}

/// `--json` output of the backup commands: one object, keys sorted.
enum JSONReport {
    static func encode(_ object: [String: Any]) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
