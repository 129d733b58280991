import Backup
import Foundation
import WarehouseKit

/// Which databases of a data directory a snapshot copies, and in what order: every service's that keeps
/// one, as the system declares them, followers first (`SystemDeclaration.databasesInCopyOrder`).
///
/// Each copy is consistent on its own, but they are made one after the other. A database that learns
/// from another is copied before it: notification's place in the order feed is then never past the end
/// of the feed in the later copy of `orders.sqlite`, and any deduction an order in that copy was told
/// of is in the later copy of `inventory.sqlite`. The later copies may also hold what came in between,
/// which the restore takes back to the cut (`WarehouseRestoreRepair`).
enum BackupPlan {
    static func sources(in dataDirectory: URL) throws -> [SnapshotSource] {
        let sources = SystemDeclaration.databasesInCopyOrder.compactMap(\.databaseFile).map {
            SnapshotSource(name: $0, url: dataDirectory.appendingPathComponent($0))
        }.filter { FileManager.default.fileExists(atPath: $0.url.path) }
        guard !sources.isEmpty else { throw BackupError.noDatabases(dataDirectory.path) }
        return sources
    }
}
