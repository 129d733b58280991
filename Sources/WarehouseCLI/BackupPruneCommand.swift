import ArgumentParser
import Backup
import Foundation

/// `warehouse backup prune --keep hourly=48,daily=30,monthly=12`: retention.
struct BackupPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Forget restore points beyond a retention policy, then delete every chunk no restore point needs.",
        discussion: "Restore points the vendor has not confirmed yet are kept whatever the policy, unless --prune-unshipped."
    )

    @OptionGroup var location: BackupRepositoryOptions

    @Option(
        name: .long, help: "The newest restore point of each of the last N hours, days and months (hourly=N,daily=N,monthly=N).")
    var keep: RetentionPolicy = .standard

    @Flag(name: .long, help: "Prune restore points the vendor has not confirmed too (a repository that never ships).")
    var pruneUnshipped = false

    func run() async throws {
        yieldCPUToServices()
        let repository = try BackupRepository.open(at: location.repositoryURL)
        let lock = try await repository.lock(exclusive: true)
        let protected = pruneUnshipped ? [] : try Shipper.unconfirmedRestorePoints(in: repository)
        let report = try Pruner(repository: repository).prune(keep, protected: protected)
        withExtendedLifetime(lock) {}
        print(
            "retention \(keep): kept \(report.keptRestorePoints) restore points (\(protected.count) not yet at the vendor), "
                + "forgot \(report.removedRestorePoints.count), deleted \(report.removedBlobs) chunks (\(formatBytes(report.freedBytes)))"
        )
    }
}
