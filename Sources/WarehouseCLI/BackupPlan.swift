import Backup
import Foundation

/// Which databases of a data directory a snapshot copies, and in what order.
///
/// Each copy is consistent on its own, but they are made one after the other. A database that learns
/// outcomes from another is copied before it: any order in the copy of `orders.sqlite` then finds every
/// deduction it was told of in the later copy of `inventory.sqlite`. The later copy may also hold
/// deductions of orders placed in between, which the restore undoes (`WarehouseRestoreRepair`). Any other
/// database (a service added later) is copied first, in name order, as a follower of the two.
enum BackupPlan {
    /// The ones whose order matters, in that order.
    static let ordered = ["orders.sqlite", "inventory.sqlite"]

    static func sources(in dataDirectory: URL) throws -> [SnapshotSource] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory.path)) ?? []
        let databases = names.filter { $0.hasSuffix(".sqlite") && !$0.hasPrefix(".") }
        guard !databases.isEmpty else { throw BackupError.noDatabases(dataDirectory.path) }
        let others = databases.filter { !ordered.contains($0) }.sorted()
        return (others + ordered.filter(databases.contains)).map {
            SnapshotSource(name: $0, url: dataDirectory.appendingPathComponent($0))
        }
    }
}
