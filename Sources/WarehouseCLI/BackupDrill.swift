import Backup
import Foundation
import Logging
import Synchronization
import WarehouseKit
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// A restore drill, because an untested backup is not a backup: the whole system under load, restore
/// points taken while orders flow, the day's call to a vendor, then the machine lost and the data
/// brought back, from the local repository and from the vendor's copy alone, each time started with
/// `warehouse up` and checked against what the clients were told before the restore point
/// (`RestoreCheck`). Every figure of the README's "Backups" section comes from this.
struct BackupDrill {
    struct Configuration {
        var executable: URL
        var orders: Int
        var concurrency: Int
        var seed: UInt64
        /// Restore points taken while the load runs (evenly spread; the load goes on after the last).
        var snapshots: Int
        /// The time between restore points they are stamped with, simulating `--backup-every`.
        var interval: Duration
        var sources: [BackupSource]
        var upArguments: [String]
        var reportDirectory: URL
        var keepData: Bool
    }

    /// One restore, and the check of the system started on it.
    struct RestoreRun: Codable {
        var from: String
        var seconds: Double
        var bytesDownloaded: Int64?
        var repairs: Int
        var check: RestoreCheckReport
    }

    struct Result: Codable {
        var orders: Int
        var snapshots: Int
        var snapshotSecondsMean: Double
        var snapshotSecondsMax: Double
        /// The databases' size at the last restore point.
        var databaseBytes: Int64
        /// A full copy of every database at every restore point, added up.
        var sumOfSnapshotBytes: Int64
        /// What the local repository keeps on disk for all of them (chunks and restore points).
        var repositoryBytes: Int64
        var repositoryBytesAfterRetention: Int64?
        var restorePointsAfterRetention: Int?
        var packRestorePoints: Int?
        var packBytes: Int64?
        var packFullCopyBytes: Int64?
        /// How old the newest restore point was when the machine was lost.
        var rpoSeconds: Double
        var restores: [RestoreRun]
        var seconds: Double
        var violations: [String]
    }

    let configuration: Configuration
    let logger: Logger

    func run() async throws -> Result {
        let started = ContinuousClock.now
        let http = LabHTTP()
        defer { Task { await http.shutdown() } }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-drill-\(UUID().uuidString)")
        let data = scratch.appendingPathComponent("data", isDirectory: true)
        let repositoryURL = data.appendingPathComponent("backup", isDirectory: true)
        let keyURL = repositoryURL.appendingPathComponent("key")
        let offMachine = scratch.appendingPathComponent("off-machine", isDirectory: true)
        try FileManager.default.createDirectory(at: offMachine, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: configuration.reportDirectory, withIntermediateDirectories: true)
        defer { if !configuration.keepData { try? FileManager.default.removeItem(at: scratch) } }

        let workload = OrderWorkload(seed: configuration.seed, orders: configuration.orders)
        let system = try await start(on: data, log: "drill-up.log", http: http)
        try await system.restock(for: workload, http: http)
        _ = try BackupRepository.openOrCreate(at: repositoryURL)
        let key = try BackupKey.loadOrCreate(file: keyURL, environment: [:]).key
        // The operator keeps the key off the machine from the day it is made.
        try FileManager.default.copyItem(at: keyURL, to: offMachine.appendingPathComponent("key"))

        // The load, with restore points taken while it runs, stamped `interval` apart from a day's start.
        let dayStart = Calendar.utc.startOfDay(for: Date()).addingTimeInterval(-86_400)
        let intervalSeconds = configuration.interval.inSeconds
        let thresholds = (1...configuration.snapshots).map { configuration.orders * $0 / (configuration.snapshots + 1) }
        let reports = Mutex<[SnapshotReport]>([])
        logger.info(
            "drill load starts", metadata: ["orders": "\(configuration.orders)", "snapshots": "\(configuration.snapshots)"])
        let (orders, cuts) = try await LoadWithCuts(system: system, http: http, concurrency: configuration.concurrency).run(
            workload, cutAfter: thresholds
        ) { index in
            let repository = try BackupRepository.open(at: repositoryURL)
            let lock = try await repository.lock(exclusive: true)
            let report = try Snapshotter(repository: repository).snapshot(
                try BackupPlan.sources(in: data), time: dayStart.addingTimeInterval(Double(index + 1) * intervalSeconds))
            withExtendedLifetime(lock) {}
            reports.withLock { $0.append(report) }
        }
        let snapshots = reports.withLock { $0 }
        let repository = try BackupRepository.open(at: repositoryURL)
        var result = Result(
            orders: orders.count, snapshots: snapshots.count,
            snapshotSecondsMean: snapshots.map { $0.duration.inSeconds }.reduce(0, +) / Double(max(1, snapshots.count)),
            snapshotSecondsMax: snapshots.map { $0.duration.inSeconds }.max() ?? 0,
            databaseBytes: snapshots.last?.bytesCopied ?? 0, sumOfSnapshotBytes: snapshots.map(\.bytesCopied).reduce(0, +),
            repositoryBytes: try Self.bytes(of: repository), rpoSeconds: 0, restores: [], seconds: 0, violations: [])

        // The day's one call, at the start of the next day, carrying every restore point of this one.
        var vendor: VendorProcess?
        if configuration.sources.contains(.vendor) {
            let process = try await VendorProcess.start(
                executable: configuration.executable, store: scratch.appendingPathComponent("vendor"), http: http,
                log: configuration.reportDirectory.appendingPathComponent("drill-vendor.log"))
            vendor = process
            try FileManager.default.copyItem(at: process.tokenFile, to: offMachine.appendingPathComponent("vendor-token"))
            let ship = try await process.withClient { client in
                try await Shipper(repository: repository, key: key, vendor: client, account: "drill", logger: logger)
                    .ship(now: { dayStart.addingTimeInterval(86_400 + 60) })
            }
            guard case .stored = ship.outcome else {
                throw LabError.unexpected("the vendor did not store the pack: \(ship.outcome)")
            }
            result.packRestorePoints = ship.restorePoints
            result.packBytes = ship.bytes
            result.packFullCopyBytes = ship.fullCopyBytes
            // With everything at the vendor, retention may thin the local restore points.
            let pruned = try Pruner(repository: repository).prune(.standard, protected: [])
            result.restorePointsAfterRetention = pruned.keptRestorePoints
            result.repositoryBytesAfterRetention = try Self.bytes(of: BackupRepository.open(at: repositoryURL))
        }
        defer { if let vendor { vendor.stop() } }

        // The machine is lost.
        await system.stop(keepData: true)
        let lostAt = Date()
        result.rpoSeconds = lostAt.timeIntervalSince(cuts.last ?? lostAt)
        let cut = cuts.last ?? lostAt
        let initialStock = Dictionary(uniqueKeysWithValues: workload.catalogue.map { ($0.sku, $0.stock) })

        for source in configuration.sources {
            let restoreStarted = ContinuousClock.now
            var downloaded: Int64?
            let report: RestoreReport
            switch source {
            case .local:
                // The databases are gone; the repository (on its own disk, in production) is not.
                try Self.removeDatabases(in: data)
                let local = try BackupRepository.open(at: repositoryURL)
                report = try await Restorer(repository: local).restore(
                    try RestoreSelector.latest.select(from: local.restorePoints()), to: data, repair: WarehouseRestoreRepair())
            case .vendor:
                // Everything on the machine is gone: data, repository, key. Left: the vendor, the key's copy.
                try? FileManager.default.removeItem(at: data)
                let offKey = try BackupKey.load(file: offMachine.appendingPathComponent("key"), environment: [:])
                let imported = scratch.appendingPathComponent("imported", isDirectory: true)
                try? FileManager.default.removeItem(at: imported)
                let (copy, importReport) = try await vendor!.withClient { client in
                    try await VendorImporter(vendor: client, account: "drill", key: offKey).importAll(into: imported)
                }
                downloaded = importReport.bytesDownloaded
                report = try await Restorer(repository: copy).restore(
                    try RestoreSelector.latest.select(from: copy.restorePoints()), to: data, repair: WarehouseRestoreRepair())
            }
            let seconds = (ContinuousClock.now - restoreStarted).inSeconds
            let restored = try await start(on: data, log: "drill-restored-\(source.rawValue)-up.log", http: http)
            let check = try await RestoreCheck(http: http, orderURL: restored.orderURL, inventoryURL: restored.inventoryURL)
                .run(orders: orders, cut: cut, initialStock: initialStock)
            await restored.stop(keepData: true)
            result.restores.append(
                RestoreRun(
                    from: source.rawValue, seconds: seconds, bytesDownloaded: downloaded, repairs: report.repairs.count,
                    check: check))
            result.violations += check.violations.map { "restore from \(source.rawValue): \($0)" }
        }
        result.seconds = (ContinuousClock.now - started).inSeconds
        return result
    }

    private func start(on data: URL, log: String, http: LabHTTP) async throws -> SystemLauncher {
        try await SystemLauncher.start(
            executable: configuration.executable, arguments: configuration.upArguments, http: http,
            logFile: configuration.reportDirectory.appendingPathComponent(log), dataDirectory: data)
    }

    private static func removeDatabases(in directory: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
        where name.hasSuffix(".sqlite") || name.hasSuffix(".sqlite-wal") || name.hasSuffix(".sqlite-shm") {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// Bytes a repository takes on disk: its chunks and its restore points.
    static func bytes(of repository: BackupRepository) throws -> Int64 {
        let manifests = (try? FileManager.default.contentsOfDirectory(atPath: repository.snapshotsDirectory.path)) ?? []
        let manifestBytes = manifests.reduce(Int64(0)) { total, name in
            let size =
                (try? FileManager.default.attributesOfItem(
                    atPath: repository.snapshotsDirectory.appendingPathComponent(name).path))?[.size]
            return total + Int64(size as? Int ?? 0)
        }
        return try repository.chunks.storedBytes() + manifestBytes
    }
}

/// `warehouse serve backup-vendor` as a child process on a free port, with its own store.
struct VendorProcess {
    let process: Process
    let url: URL
    let tokenFile: URL

    static func start(executable: URL, store: URL, http: LabHTTP, log: URL) async throws -> VendorProcess {
        let port = try SystemLauncher.freePorts(1)[0]
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "backup-vendor", "--port", "\(port)", "--data-dir", store.path]
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let vendor = VendorProcess(
            process: process, url: URL(string: "http://127.0.0.1:\(port)")!,
            tokenFile: store.appendingPathComponent("admin-token"))
        let giveUp = ContinuousClock.now + .seconds(60)
        while !(await ReadinessProbe.isReady("backup-vendor", at: vendor.url.absoluteString, client: http.client)) {
            guard process.isRunning, ContinuousClock.now < giveUp else {
                vendor.stop()
                throw LabError.unexpected("the backup vendor did not start; see \(log.path)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return vendor
    }

    func withClient<T>(_ body: (HTTPBackupVendorClient) async throws -> T) async throws -> T {
        let token = try String(contentsOf: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try await HTTPBackupVendorClient.with(baseURL: url, token: token, body)
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
    }
}

extension Duration {
    /// Seconds as a fraction, for reports.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
