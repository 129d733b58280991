import ArgumentParser
import Backup
import Foundation

/// Where `list`, `restore` and `verify` read restore points from, and the means to get at them.
struct BackupSourceOptions: ParsableArguments {
    @Option(name: .long, help: "local: the repository; vendor: the vendor's copy alone (all packs, opened with the key).")
    var from: BackupSource = .local

    @OptionGroup var location: BackupRepositoryOptions
    @OptionGroup(title: "Vendor (with --from vendor)") var vendor: BackupVendorOptions

    /// Runs `body` with a repository holding the restore points: the local one (under a shared lock), or a
    /// temporary one rebuilt from every pack at the vendor, removed afterwards.
    func withRepository<T>(_ body: (BackupRepository, ImportReport?) async throws -> T) async throws -> T {
        switch from {
        case .local:
            let repository = try BackupRepository.open(at: location.repositoryURL)
            let lock = try await repository.lock(exclusive: false)
            defer { withExtendedLifetime(lock) {} }
            return try await body(repository, nil)
        case .vendor:
            let key = try BackupKey.load(file: location.keyURL)
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "warehouse-vendor-copy-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let (repository, report) = try await vendor.withVendor(dataDirectory: location.dataDirectory) { client in
                try await VendorImporter(vendor: client, account: vendor.account, key: key).importAll(into: scratch)
            }
            return try await body(repository, report)
        }
    }
}

extension BackupSource: ExpressibleByArgument {}
