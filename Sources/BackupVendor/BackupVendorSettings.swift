import Foundation
import Logging
import ServiceLifecycle
import WarehouseKit

/// The simulated vendor's own settings (`warehouse settings` lists them with the common ones).
///
/// Its store is `DATA-DIR/backup-vendor`, so that under `warehouse up` it shares nothing with the services'
/// files; its token is the admin token (`--admin-token-file`, `WAREHOUSE_ADMIN_TOKEN`), else a random one
/// kept in the store (`DATA-DIR/backup-vendor/admin-token`), where `warehouse backup ship` looks for it.
package enum BackupVendorSettings {
    static let group = "Backup vendor (simulated)"

    package static let settableClock = Setting<Bool>(
        "settable-clock", group: group, default: false,
        help: "Let PUT /admin/clock set the vendor's clock, which decides its UTC day (tests only).")
    package static let maximumPackMiB = Setting<Int>(
        "max-pack-mb", group: group, default: 1024, rule: .within(1...1_048_576),
        help: "The largest pack the vendor accepts, in MiB; a larger upload is refused with 413.")

    package static let all: [any SettingDeclaration] = [settableClock, maximumPackMiB]

    /// Where the vendor keeps what accounts upload, under `data`.
    package static func storeDirectory(in data: URL) -> URL {
        data.appendingPathComponent(ServiceName.backupVendor.rawValue, isDirectory: true)
    }
}

extension BackupVendorConfiguration {
    /// The configuration `settings` describe: the edge policy every service has (hosts, origins, limits),
    /// and the account token loaded as the admin token is (checked, logs redacted, a secret file refused when
    /// others may read it), but made when missing in the store, not in the data directory.
    package init(settings: Settings, logger: Logger) throws {
        let store = BackupVendorSettings.storeDirectory(in: settings.dataDirectory)
        let token = try Credential.admin.load(
            dataDirectory: store, given: settings[CommonSettings.adminToken], file: settings[CommonSettings.adminTokenFile],
            logger: logger)
        self.init(storeDirectory: store, token: token, edge: EdgePolicy.withoutCredentials(settings, logger: logger))
        host = settings[CommonSettings.host]
        port = BackupVendorService.port(settings)
        settableClock = settings[BackupVendorSettings.settableClock]
        maximumPackBytes = Int64(settings[BackupVendorSettings.maximumPackMiB]) << 20
    }
}

extension BackupVendorService: ServiceDefinition {
    package static var name: ServiceName { .backupVendor }
    package static var settings: [any SettingDeclaration] { BackupVendorSettings.all }

    package static func validate(_ settings: Settings) throws(SettingsError) {}

    package static func make(_ settings: Settings, logger: Logger) async throws -> any Service {
        try BackupVendorService(configuration: BackupVendorConfiguration(settings: settings, logger: logger), logger: logger).makeApplication()
    }
}
