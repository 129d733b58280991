import ArgumentParser
import Backup
import Foundation
import Logging
import WarehouseKit
import WarehouseLab

/// `warehouse backup drill`: back up a loaded system, lose it, restore it, check it.
struct BackupDrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Restore drill: load a system, snapshot it while orders flow, lose it, restore it, start it, check it.",
        discussion: """
            Starts its own system (`warehouse up` on free ports, a temporary data directory) and, for --from \
            vendor, its own backup vendor. Restore points are taken by `warehouse backup snapshot` child processes, \
            as `warehouse up` takes them, and order answer times are reported for the orders answered while one ran \
            and for the others. After the load the machine is lost: the databases are deleted and \
            restored from the local repository; then everything is deleted (repository and key too) and \
            restored from the vendor's copy with the key's off-machine copy. Each time `warehouse up` starts on \
            the restored directory and every order acknowledged before the restore point must be there with its \
            state, stock plus shipped units must be conserved per SKU, and inventory's deduction records must \
            match the orders, the notification service must catch up with exactly one notification per order \
            transition, and a webhook subscription made before the load must be there with its secret. Exits non-zero when any of it fails. Writes drill-report.json to --report-dir.
            """
    )

    @Option(name: .long, help: "Orders in the load.")
    var orders = 600

    @Option(name: .long, help: "Concurrent clients.")
    var concurrency = 16

    @Option(name: .long, help: "Restore points taken while the load runs.")
    var snapshots = 1

    @Option(name: .long, help: "Minutes between restore points, as they are stamped (the --backup-every being simulated).")
    var intervalMinutes = 15

    @Option(name: .long, help: "Where to restore from: local, vendor, or both.")
    var from: DrillSource = .both

    @Option(name: .long, help: "The workload's seed.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Directory for the report and the systems' logs.")
    var reportDir = "reports/backup"

    @Flag(name: .long, help: "Keep the drill's data directories (printed) instead of deleting them.")
    var keepData = false

    @Flag(
        name: .long,
        help: """
            Run the system on a PostgreSQL cluster of the drill's own (`up --database-url`): restore points are pg_dumps, \
            and each restore loads one into a new, empty database that `warehouse up --database-url` then starts on.
            """)
    var postgres = false

    enum DrillSource: String, ExpressibleByArgument, CaseIterable {
        case local, vendor, both

        var sources: [BackupSource] {
            switch self {
            case .local: [.local]
            case .vendor: [.vendor]
            case .both: [.local, .vendor]
            }
        }
    }

    func validate() throws {
        guard (10...1_000_000).contains(orders) else { throw ValidationError("--orders must be between 10 and 1000000") }
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 256") }
        guard (1...10_000).contains(snapshots), snapshots < orders else {
            throw ValidationError("--snapshots must be between 1 and 10000, and fewer than --orders")
        }
        guard (1...1440).contains(intervalMinutes) else { throw ValidationError("--interval-minutes must be between 1 and 1440") }
    }

    func run() async throws {
        let reportDirectory = URL(fileURLWithPath: reportDir, isDirectory: true).standardizedFileURL
        let drill = BackupDrill(
            configuration: .init(
                executable: Supervisor.executableURL, orders: orders, concurrency: concurrency, seed: seed, snapshots: snapshots,
                interval: .seconds(intervalMinutes * 60), sources: from.sources, upArguments: [],
                reportDirectory: reportDirectory, keepData: keepData, postgres: postgres),
            logger: Logger(label: "drill"))
        let result = try await drill.run()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result).write(to: reportDirectory.appendingPathComponent("drill-report.json"))
        print(Self.summary(result))
        if !result.violations.isEmpty { throw ExitCode(1) }
    }

    static func summary(_ result: BackupDrill.Result) -> String {
        func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }
        func latency(_ figures: LatencyPercentiles) -> String {
            String(format: "%.1f / %.1f / %.1f ms", figures.p50, figures.p99, figures.max)
        }
        func ratio(_ part: Int64, _ whole: Int64) -> String {
            whole == 0 ? "-" : String(format: "%.1f%%", Double(part) * 100 / Double(whole))
        }
        var lines = [
            "restore drill: \(result.orders) orders, \(result.snapshots) restore points taken while they were placed",
            "  snapshot: \(seconds(result.snapshotSecondsMean)) mean, \(seconds(result.snapshotSecondsMax)) max; "
                + "databases \(formatBytes(result.databaseBytes)) at the last one",
            "  local repository: \(formatBytes(result.repositoryBytes)) for \(formatBytes(result.sumOfSnapshotBytes)) of snapshots "
                + "(\(ratio(result.repositoryBytes, result.sumOfSnapshotBytes)))",
            "  order answer time (first try), p50 / p99 / max: "
                + "\(latency(result.orderLatency.duringSnapshot)) while a snapshot ran (\(result.orderLatency.duringSnapshot.count) orders), "
                + "\(latency(result.orderLatency.withoutSnapshot)) otherwise (\(result.orderLatency.withoutSnapshot.count))",
        ]
        if let points = result.packRestorePoints, let bytes = result.packBytes, let full = result.packFullCopyBytes {
            lines.append(
                "  vendor: 1 call carrying \(points) restore points in \(formatBytes(bytes)); a full copy per restore point "
                    + "would be \(formatBytes(full)) (\(ratio(bytes, full)))")
        }
        if let kept = result.restorePointsAfterRetention, let bytes = result.repositoryBytesAfterRetention {
            lines.append("  after retention \(Backup.RetentionPolicy.standard): \(kept) restore points, \(formatBytes(bytes))")
        }
        lines.append("  newest restore point when the machine was lost: \(seconds(result.rpoSeconds)) old")
        for run in result.restores {
            let check = run.check
            lines.append(
                "  restore from \(run.from): \(seconds(run.seconds))"
                    + (run.bytesDownloaded.map { " (\(formatBytes($0)) downloaded)" } ?? "")
                    + ", \(run.repairs) deductions undone; \(check.ordersRestored) orders back (\(check.shipped) shipped, "
                    + "\(check.rejected) rejected), all \(check.acknowledgedBefore) acknowledged before the restore point "
                    + (check.holds ? "present" : "CHECKED: FAIL")
                    + ", \(check.notifications.notifications) notifications for \(check.notifications.transitions) transitions"
                    + (check.subscriptionKept == true ? ", the webhook subscription and its secret kept" : "")
                    + "; \(check.missingAfter) of \(check.acknowledgedAfter) acknowledged after it lost")
        }
        lines.append(
            result.violations.isEmpty
                ? "every invariant holds (\(seconds(result.seconds)))"
                : "VIOLATIONS:\n" + result.violations.map { "  - \($0)" }.joined(separator: "\n"))
        return lines.joined(separator: "\n")
    }
}
