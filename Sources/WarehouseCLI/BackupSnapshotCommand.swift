import ArgumentParser
import Backup
import Foundation
import WarehouseKit

/// `warehouse backup snapshot`: one restore point of every database, taken while the services serve.
struct BackupSnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Take a restore point: a consistent copy of every database, deduplicated into the repository.",
        discussion: """
            `warehouse up` runs this every --backup-every minutes. Creates the repository and its key on first use. \
            With --database-url (or WAREHOUSE_DATABASE_URL) postgres://…, one pg_dump of the services' schemas.
            """
    )

    @OptionGroup var location: BackupRepositoryOptions
    @OptionGroup var database: BackupDatabaseOptions

    @Option(
        name: .long,
        help: "Then forget restore points beyond this policy and delete the chunks nobody needs (hourly=N,daily=N,monthly=N).")
    var keep: RetentionPolicy?

    @Flag(name: .long, help: "With --keep: prune restore points the vendor has not confirmed too (a repository never shipped).")
    var pruneUnshipped = false

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(name: .long, help: .hidden)
    var now: String?

    func run() async throws {
        yieldCPUToServices()
        let time = try parseNow(now)
        let repository = try BackupRepository.openOrCreate(at: location.repositoryURL)
        let (_, createdKey) = try BackupKey.loadOrCreate(file: location.keyURL)
        if createdKey {
            FileHandle.standardError.write(
                Data(
                    """
                    created the backup key \(location.keyURL.path): keep a copy off this machine (a password manager, \
                    a secret store); without it the vendor's copy cannot be read.\n
                    """.utf8))
        }
        let lock = try await repository.lock(exclusive: true)
        let report = try Snapshotter(repository: repository).snapshot(
            try BackupPlan.sources(in: location.dataDirectory, database: database.postgres()), time: time)
        var pruned: PruneReport?
        if let keep {
            let protected = pruneUnshipped ? [] : try Shipper.unconfirmedRestorePoints(in: repository)
            pruned = try Pruner(repository: repository).prune(keep, protected: protected)
        }
        withExtendedLifetime(lock) {}
        if json {
            print(
                JSONReport.encode([
                    "restorePoint": report.point.id, "time": UTCTimestamp.iso8601(report.point.time),
                    "databases": report.point.databases.count, "bytesCopied": report.bytesCopied, "chunks": report.chunks,
                    "newBlobs": report.newBlobs, "newStoredBytes": report.newStoredBytes,
                    "seconds": report.duration.seconds,
                    "prunedRestorePoints": pruned?.removedRestorePoints.count ?? 0, "prunedBlobs": pruned?.removedBlobs ?? 0,
                ]))
        } else {
            print(
                "restore point \(report.point.id): \(report.point.databases.map(\.name).joined(separator: ", ")), "
                    + "\(formatBytes(report.bytesCopied)) copied in \(report.chunks) chunks, \(report.newBlobs) new "
                    + "(\(formatBytes(report.newStoredBytes)) stored), \(String(format: "%.2f", report.duration.seconds)) s")
            if let pruned {
                print(
                    "retention \(keep!): kept \(pruned.keptRestorePoints) restore points, forgot \(pruned.removedRestorePoints.count), "
                        + "deleted \(pruned.removedBlobs) chunks (\(formatBytes(pruned.freedBytes)))")
            }
        }
    }
}

extension RetentionPolicy: ExpressibleByArgument {
    package init?(argument: String) {
        self.init(argument)
    }
}
