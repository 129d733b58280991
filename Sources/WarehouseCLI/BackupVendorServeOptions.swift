import ArgumentParser
import BackupVendor
import Foundation
import WarehouseKit

/// Options of `warehouse serve backup-vendor`. Its store is the data directory, and its token that
/// directory's admin token (`DIR/admin-token`, or `WAREHOUSE_ADMIN_TOKEN`).
struct BackupVendorServeOptions: ParsableArguments {
    @Flag(name: .long, help: "Let PUT /admin/clock set the vendor's clock (tests only; backup-vendor).")
    var settableClock = false

    @Option(name: .long, help: "The largest pack the vendor accepts, in MiB (backup-vendor).")
    var maxPackMb = 1024

    func validate() throws {
        guard (1...1_048_576).contains(maxPackMb) else { throw ValidationError("--max-pack-mb must be between 1 and 1048576") }
    }

    func configuration(store: URL, host: String, port: Int) throws -> BackupVendorConfiguration {
        var configuration = BackupVendorConfiguration(storeDirectory: store, token: try AdminToken.load(dataDirectory: store))
        configuration.host = host
        configuration.port = port
        configuration.settableClock = settableClock
        configuration.maximumPackBytes = Int64(maxPackMb) << 20
        return configuration
    }
}
