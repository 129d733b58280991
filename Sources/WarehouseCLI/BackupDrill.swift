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
/// points taken while orders flow (`warehouse backup snapshot`, a child process at low priority, as
/// `warehouse up` runs it), the day's one call to a vendor, then the machine lost and the data brought
/// back, from the local repository and from the vendor's copy alone, each time started with `warehouse
/// up` and checked against what the clients were told before the restore point (`RestoreCheck`). The
/// figures of docs/BACKUPS.md come from this.
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
        /// Run the system on a PostgreSQL cluster of the drill's own (`--database-url`): restore points
        /// are dumps, and each restore loads one into a new, empty database.
        var postgres = false
    }

    /// One restore, and the check of the system started on it.
    struct RestoreRun: Codable {
        var from: String
        var seconds: Double
        var bytesDownloaded: Int64?
        var repairs: Int
        var check: RestoreCheckReport
    }

    /// Order answer times (first try) while a snapshot ran, and while none did, in the same load.
    struct OrderLatency: Codable {
        var duringSnapshot: LatencyPercentiles
        var withoutSnapshot: LatencyPercentiles
    }

    struct Result: Codable {
        var orders: Int
        var snapshots: Int
        var snapshotSecondsMean: Double
        var snapshotSecondsMax: Double
        var orderLatency: OrderLatency
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
        /// How old the newest restore point was when the machine was lost (from when it began).
        var rpoSeconds: Double
        var restores: [RestoreRun]
        var seconds: Double
        var violations: [String]
    }

    let configuration: Configuration
    let logger: Logger

    /// Where a drill keeps everything, all of it deleted afterwards unless `keepData`.
    private struct Scratch {
        let root: URL
        var data: URL { root.appendingPathComponent("data", isDirectory: true) }
        /// The default place, as `warehouse up` has it; in production best on a disk of its own.
        var repository: URL { data.appendingPathComponent("backup", isDirectory: true) }
        var key: URL { repository.appendingPathComponent("key") }
        /// What the operator keeps off the machine: a copy of the key.
        var offMachineKey: URL { root.appendingPathComponent("off-machine/key") }
        var vendor: URL { root.appendingPathComponent("vendor", isDirectory: true) }
        /// The PostgreSQL cluster, off the machine that is lost: it stands for the database server.
        var postgres: URL { root.appendingPathComponent("postgres", isDirectory: true) }
        var imported: URL { root.appendingPathComponent("imported", isDirectory: true) }
    }

    func run() async throws -> Result {
        let http = LabHTTP()
        let scratch = Scratch(
            root: FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-drill-\(UUID().uuidString)"))
        try FileManager.default.createDirectory(at: configuration.reportDirectory, withIntermediateDirectories: true)
        var cluster: RunningPostgres?
        do {
            if configuration.postgres {
                cluster = try await LocalPostgres(directory: scratch.postgres).start(logger: logger)
            }
            let result = try await drill(scratch, database: cluster?.url, http: http)
            await cluster?.stop()
            await http.shutdown()
            cleanUp(scratch)
            return result
        } catch {
            await cluster?.stop()
            await http.shutdown()
            cleanUp(scratch)
            throw error
        }
    }

    private func cleanUp(_ scratch: Scratch) {
        if configuration.keepData {
            print("drill data kept in \(scratch.root.path)")
        } else {
            try? FileManager.default.removeItem(at: scratch.root)
        }
    }

    /// - Parameter database: the PostgreSQL database the system keeps its data in, if not SQLite files.
    private func drill(_ scratch: Scratch, database: PostgresURL?, http: LabHTTP) async throws -> Result {
        let started = ContinuousClock.now
        let workload = OrderWorkload(seed: configuration.seed, orders: configuration.orders)
        let system = try await start(on: scratch.data, database: database, log: "drill-up.log", http: http)
        let load: (orders: [AcknowledgedOrder], cuts: [DateInterval], snapshots: [SnapshotFigures])
        let subscription: WebhookSubscription
        do {
            try await system.restock(for: workload, http: http)
            // State only notification's database holds: a customer's webhook and its signing secret. Nobody
            // in the workload is that customer, so nothing is ever sent to it.
            subscription = try await RestoreCheck.subscribe(
                "restore-drill", url: "http://127.0.0.1:9/hooks", notificationURL: system.notificationURL,
                adminToken: try system.adminToken, http: http)
            load = try await loadWithSnapshots(workload, system: system, scratch: scratch, database: database, http: http)
        } catch {
            await system.stop(keepData: true)
            throw error
        }
        let snapshots = load.snapshots
        var result = Result(
            orders: load.orders.count, snapshots: snapshots.count,
            snapshotSecondsMean: snapshots.map(\.seconds).reduce(0, +) / Double(max(1, snapshots.count)),
            snapshotSecondsMax: snapshots.map(\.seconds).max() ?? 0,
            orderLatency: Self.latency(of: load.orders, during: load.cuts),
            databaseBytes: snapshots.last?.bytesCopied ?? 0, sumOfSnapshotBytes: snapshots.map(\.bytesCopied).reduce(0, +),
            repositoryBytes: try Self.bytes(of: BackupRepository.open(at: scratch.repository)), rpoSeconds: 0, restores: [],
            seconds: 0, violations: [])

        // The day's one call, at the start of the next day, carrying every restore point of this one.
        var vendor: VendorProcess?
        if configuration.sources.contains(.vendor) {
            do {
                vendor = try await ship(scratch, http: http, into: &result)
            } catch {
                await system.stop(keepData: true)
                await vendor?.stop()
                throw error
            }
        }

        // The machine is lost, and with it the database.
        await system.stop(keepData: true)
        if let database { try Self.psql("DROP DATABASE \(database.database) WITH (FORCE)", on: database) }
        let lostAt = Date()
        let cut = load.cuts.last?.start ?? lostAt
        result.rpoSeconds = lostAt.timeIntervalSince(cut)
        let initialStock = Dictionary(uniqueKeysWithValues: workload.catalogue.map { ($0.sku, $0.stock) })
        do {
            for source in configuration.sources {
                let run = try await restore(from: source, scratch: scratch, database: database, vendor: vendor, http: http) {
                    restored in
                    try await RestoreCheck(
                        http: http, orderURL: restored.orderURL, inventoryURL: restored.inventoryURL,
                        notificationURL: restored.notificationURL, adminToken: try restored.adminToken
                    ).run(orders: load.orders, cut: cut, initialStock: initialStock, subscription: subscription)
                }
                result.restores.append(run)
                result.violations += run.check.violations.map { "restore from \(source.rawValue): \($0)" }
            }
        } catch {
            await vendor?.stop()
            throw error
        }
        await vendor?.stop()
        result.seconds = (ContinuousClock.now - started).seconds
        return result
    }

    /// What one `warehouse backup snapshot --json` reported.
    struct SnapshotFigures {
        var bytesCopied: Int64
        var seconds: Double
    }

    /// The load, with restore points taken while it runs, stamped `interval` apart from the start of
    /// yesterday (UTC), so that a day of them is one vendor day.
    private func loadWithSnapshots(
        _ workload: OrderWorkload, system: SystemLauncher, scratch: Scratch, database: PostgresURL?, http: LabHTTP
    )
        async throws -> (orders: [AcknowledgedOrder], cuts: [DateInterval], snapshots: [SnapshotFigures])
    {
        try FileManager.default.createDirectory(
            at: scratch.offMachineKey.deletingLastPathComponent(), withIntermediateDirectories: true)
        let dayStart = UTCDay.calendar.startOfDay(for: Date()).addingTimeInterval(-86_400)
        let thresholds = (1...configuration.snapshots).map { configuration.orders * $0 / (configuration.snapshots + 1) }
        let figures = Mutex<[SnapshotFigures]>([])
        let executable = configuration.executable
        let data = scratch.data
        let interval = configuration.interval.seconds
        logger.info(
            "drill load starts", metadata: ["orders": "\(configuration.orders)", "snapshots": "\(configuration.snapshots)"])
        let (orders, cuts) = try await LoadWithCuts(system: system, http: http, concurrency: configuration.concurrency).run(
            workload, cutAfter: thresholds
        ) { index in
            let time = dayStart.addingTimeInterval(Double(index) * interval)
            let report = try await Self.warehouse(
                executable,
                ["backup", "snapshot", "--data-dir", data.path, "--now", UTCTimestamp.iso8601(time), "--json"]
                    // The drill's cluster has no password: its URL may be an argument.
                    + (database.map { ["--database-url", $0.text] } ?? []))
            figures.withLock {
                $0.append(
                    SnapshotFigures(
                        bytesCopied: (report["bytesCopied"] as? NSNumber)?.int64Value ?? 0,
                        seconds: (report["seconds"] as? NSNumber)?.doubleValue ?? 0))
            }
        }
        // The first snapshot made the key: the operator keeps a copy off the machine from that day on.
        try FileManager.default.copyItem(at: scratch.key, to: scratch.offMachineKey)
        return (orders, cuts, figures.withLock { $0 })
    }

    /// Starts a vendor and makes the day's one call (`warehouse backup ship`) at the start of the next
    /// day; then applies the standard retention, which may now thin what the vendor has.
    private func ship(_ scratch: Scratch, http: LabHTTP, into result: inout Result) async throws -> VendorProcess {
        let vendor = try await VendorProcess.start(
            executable: configuration.executable, dataDirectory: scratch.vendor, http: http,
            log: configuration.reportDirectory.appendingPathComponent("drill-vendor.log"))
        do {
            let dayStart = UTCDay.calendar.startOfDay(for: Date())
            let shipped = try await Self.warehouse(
                configuration.executable,
                [
                    "backup", "ship", "--data-dir", scratch.data.path, "--vendor-url", vendor.service.url,
                    "--vendor-token-file", vendor.tokenFile.path, "--account", "drill",
                    "--now", UTCTimestamp.iso8601(dayStart.addingTimeInterval(60)), "--json",
                ])
            guard shipped["outcome"] as? String == "stored" else {
                throw LabError.unexpected("the vendor did not store the pack: \(shipped)")
            }
            result.packRestorePoints = shipped["restorePoints"] as? Int
            result.packBytes = (shipped["bytes"] as? NSNumber)?.int64Value
            result.packFullCopyBytes = (shipped["fullCopyBytes"] as? NSNumber)?.int64Value
            let repository = try BackupRepository.open(at: scratch.repository)
            let pruned = try Pruner(repository: repository).prune(
                .standard, protected: try Shipper.unconfirmedRestorePoints(in: repository))
            result.restorePointsAfterRetention = pruned.keptRestorePoints
            result.repositoryBytesAfterRetention = try Self.bytes(of: BackupRepository.open(at: scratch.repository))
            return vendor
        } catch {
            await vendor.stop()
            throw error
        }
    }

    /// Restores the newest restore point from `source` into the data directory (on PostgreSQL: its dump
    /// into a new, empty database of the cluster), starts the system on it and checks it.
    private func restore(
        from source: BackupSource, scratch: Scratch, database: PostgresURL?, vendor: VendorProcess?, http: LabHTTP,
        check: (SystemLauncher) async throws -> RestoreCheckReport
    ) async throws -> RestoreRun {
        let restoreStarted = ContinuousClock.now
        var downloaded: Int64?
        let report: RestoreReport
        // On PostgreSQL the dump lands beside the data directory and is loaded into a database of its own.
        let target = database == nil ? scratch.data : scratch.root.appendingPathComponent("restored-\(source.rawValue)")
        var restoredDatabase = database
        restoredDatabase?.database = "restored_\(source.rawValue)"
        switch source {
        case .local:
            // The databases are gone; the repository (on its own disk, in production) is not.
            try Self.removeDatabases(in: scratch.data)
            let local = try BackupRepository.open(at: scratch.repository)
            report = try await Restorer(repository: local).restore(
                try RestoreSelector.latest.select(from: local.restorePoints()), to: target, repair: WarehouseRestoreRepair())
        case .vendor:
            // Everything on the machine is gone: data, repository, key. Left: the vendor, the key's copy.
            guard let vendor else { throw LabError.unexpected("no vendor to restore from") }
            try? FileManager.default.removeItem(at: scratch.data)
            try? FileManager.default.removeItem(at: scratch.imported)
            let key = try BackupKey.load(file: scratch.offMachineKey, environment: [:])
            let (copy, imported) = try await vendor.withClient { client in
                try await VendorImporter(vendor: client, account: "drill", key: key).importAll(into: scratch.imported)
            }
            downloaded = imported.bytesDownloaded
            report = try await Restorer(repository: copy).restore(
                try RestoreSelector.latest.select(from: copy.restorePoints()), to: target, repair: WarehouseRestoreRepair())
        }
        if let restoredDatabase, let dump = report.files.first(where: { $0.lastPathComponent == PostgresDumper.fileName }) {
            try Self.psql("CREATE DATABASE \(restoredDatabase.database)", on: restoredDatabase)
            try PostgresLoader(url: restoredDatabase).load(dump)
        }
        let seconds = (ContinuousClock.now - restoreStarted).seconds
        let restored = try await start(
            on: scratch.data, database: restoredDatabase, log: "drill-restored-\(source.rawValue)-up.log", http: http)
        do {
            let result = try await check(restored)
            await restored.stop(keepData: true)
            return RestoreRun(
                from: source.rawValue, seconds: seconds, bytesDownloaded: downloaded, repairs: report.repairs.count, check: result)
        } catch {
            await restored.stop(keepData: true)
            throw error
        }
    }

    private func start(on data: URL, database: PostgresURL?, log: String, http: LabHTTP) async throws -> SystemLauncher {
        try await SystemLauncher.start(
            executable: configuration.executable,
            arguments: ["--backup-every", "0"] + (database.map { ["--database-url", $0.text] } ?? []) + configuration.upArguments,
            http: http,
            logFile: configuration.reportDirectory.appendingPathComponent(log), dataDirectory: data)
    }

    /// First-try answer times of the orders whose first try overlapped a snapshot, and of the others.
    static func latency(of orders: [AcknowledgedOrder], during cuts: [DateInterval]) -> OrderLatency {
        var during: [Double] = []
        var without: [Double] = []
        for order in orders {
            guard let first = order.firstTry, let milliseconds = order.record.attempts.first?.milliseconds else { continue }
            if cuts.contains(where: { $0.intersects(first) }) {
                during.append(milliseconds)
            } else {
                without.append(milliseconds)
            }
        }
        return OrderLatency(
            duringSnapshot: LatencyPercentiles(milliseconds: during), withoutSnapshot: LatencyPercentiles(milliseconds: without))
    }

    /// Deletes every service's database (with its WAL and shared-memory files), nothing else.
    private static func removeDatabases(in directory: URL) throws {
        for file in SystemDeclaration.databasesInCopyOrder.compactMap(\.databaseFile) {
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(file + suffix))
            }
        }
    }

    /// Runs one statement with psql on the cluster of `database`, connected to its `postgres` database.
    private static func psql(_ statement: String, on database: PostgresURL) throws {
        var server = database
        server.database = "postgres"
        try PostgresProgram("psql").run(["--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--command", statement], on: server)
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

    /// Runs `warehouse <arguments>` (which end in `--json`) to its end and returns the JSON object it
    /// printed last; fails with its output when it exits non-zero.
    static func warehouse(_ executable: URL, _ arguments: [String]) async throws -> [String: Any] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-drill-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.standardError
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            exited.continuation.yield($0.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        var status: Int32 = -1
        for await code in exited.stream { status = code }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard status == 0, let line = text.split(separator: "\n").last,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else {
            throw LabError.unexpected("`warehouse \(arguments.prefix(2).joined(separator: " "))` exited \(status): \(text)")
        }
        return object
    }
}

/// `warehouse serve backup-vendor` as a child process on a free port, with a data directory of its own.
struct VendorProcess {
    let service: ServiceLauncher
    let tokenFile: URL

    static func start(executable: URL, dataDirectory: URL, http: LabHTTP, log: URL) async throws -> VendorProcess {
        let port = try FreePorts.take(1)[0]
        let service = try await ServiceLauncher.start(
            .backupVendor, port: port, executable: executable,
            arguments: ["--port", "\(port)", "--data-dir", dataDirectory.path], logFile: log, http: http)
        return VendorProcess(service: service, tokenFile: BackupSettings.vendorTokenFile(in: dataDirectory))
    }

    func withClient<T>(_ body: (HTTPBackupVendorClient) async throws -> T) async throws -> T {
        let token = try String(contentsOf: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try await HTTPBackupVendorClient.with(baseURL: service.endpoint.url, token: token, body)
    }

    func stop() async {
        await service.stop()
    }
}
