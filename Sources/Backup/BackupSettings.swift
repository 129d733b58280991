import BackupVendorAPI
import Foundation
import WarehouseKit

/// The backups `warehouse up` takes and ships (`warehouse settings` lists these with the others). The
/// `warehouse backup` commands take the same things as their own options, for one run.
package enum BackupSettings {
    static let group = "Backups"

    package static let every = Setting<Double>(
        "backup-every", group: group, default: 15,
        rule: SettingRule(text: "0 (off) or 0.01 to 1440") { minutes in
            minutes == 0 || (0.01...1440).contains(minutes) ? nil : "must be 0 (off) or between 0.01 and 1440"
        },
        help: "Minutes between restore points, on the clock (with 15: :00, :15, :30, :45 UTC); 0 turns backups off.")
    package static let keep = Setting<RetentionPolicy>(
        "backup-keep", group: group, default: .standard,
        help: "Retention after each restore point: the newest of each of the last N hours, days and months; restore points the vendor has not confirmed are always kept.")
    package static let repository = Setting<String?>(
        "backup-repository", group: group, default: nil, defaultDescription: "DATA-DIR/backup",
        help: "The local backup repository (chunks, restore points, the ship ledger, the pack key): best on another disk than the data.")
    package static let vendorURL = Setting<ServiceURL?>(
        "backup-vendor-url", group: group, default: nil,
        defaultDescription: "the simulated vendor when --backup-vendor runs it, else none (restore points stay local)",
        help: "The backup vendor the day's one call goes to, once a UTC day after a restore point.")
    package static let account = Setting<String>(
        "backup-account", group: group, default: "warehouse",
        rule: SettingRule(text: "1 to 64 of A-Z a-z 0-9 - _") { BackupVendorNames.isValid($0) ? nil : "must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit" },
        help: "The account at the backup vendor.")
    package static let vendorToken = Setting<String?>(
        "backup-vendor-token", group: group, default: nil, defaultDescription: "DATA-DIR/backup-vendor/admin-token",
        secret: true, help: "The account's token at the backup vendor.")

    package static let all: [any SettingDeclaration] = [every, keep, repository, vendorURL, account, vendorToken]

    /// Where the simulated vendor keeps its token under `warehouse up`, and where `ship` looks by default.
    package static func vendorTokenFile(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("\(ServiceName.backupVendor.rawValue)/admin-token")
    }
}

extension RetentionPolicy: SettingValue {
    package init?(settingText: String) { self.init(settingText) }
    package var settingText: String { description }
    package static var settingKind: String { "hourly=N,daily=N,monthly=N" }
    package static var settingExpectation: String { "hourly=N,daily=N,monthly=N (each N from 0 to 100000; a kind left out keeps none)" }
}
