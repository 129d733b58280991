import ArgumentParser
import Foundation
import Logging
import WarehouseKit
import WarehouseLab

/// `warehouse chaos`: the Schrödinger experiment, naive design against ours, on real processes.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Run the chaos experiment: the same seeded workload and faults against the naive design and ours.",
        discussion: """
            Starts the system itself (warehouse up, free loopback ports, a temporary data directory) for each mode, \
            injects every fault on a seeded schedule, kills services with SIGKILL during the run, keeps the faults on \
            until the backlog has drained, then reads inventory's fault ledger, checks the invariants and writes \
            chaos-report.md and chaos-report.json. Exits non-zero when an invariant of the resilient design breaks, \
            or when any fault landed on fewer than half of the deductions (or orders) it should have hit: such a run \
            proves nothing.

            With --postgres every service keeps its data in a throwaway PostgreSQL cluster; with --replicas too, \
            order, inventory and notification run as replicas behind HAProxy, and each kill -9 of a replicated tier strikes one \
            replica, in turn (order-1, then order-2, …), while the others serve. The fault ledger lives in the \
            shared database and is read once.
            """
    )

    @Option(help: "Orders in the workload.") var orders = 2000
    @Option(help: "Concurrent clients.") var concurrency = 32
    @Option(help: "Seed of the workload and of every fault.") var seed: UInt64 = 42
    @Option(help: "naive, resilient, or both.") var mode: ModeChoice = .both
    @Option(help: "Where the reports (and the runs' logs) go.") var reportDir = "reports/chaos"
    @Option(help: "How long the backlog may take to drain after the workload, faults still on, in seconds.")
    var drainLimit = 60
    @Option(help: "The warehouse executable whose system is tested (another build, for a before/after comparison).")
    var systemExecutable: String?
    @Flag(help: "Run the system on a throwaway PostgreSQL cluster (warehouse up --postgres) instead of an SQLite file per service.")
    var postgres = false
    @Option(
        help: "Replicas of order, inventory and notification behind HAProxy, such as order=2,inventory=2,notification=2 (warehouse up --replicas; needs --postgres).",
        transform: Self.replicaCounts)
    var replicas = ReplicaCounts()

    enum ModeChoice: String, ExpressibleByArgument, CaseIterable {
        case naive, resilient, both
    }

    func validate() throws {
        guard (10...100_000).contains(orders) else { throw ValidationError("--orders must be between 10 and 100000") }
        guard (1...512).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 512") }
        guard (1...3600).contains(drainLimit) else { throw ValidationError("--drain-limit must be between 1 and 3600") }
        if replicas.isReplicated {
            guard postgres else {
                throw ValidationError("--replicas needs --postgres: replicas share one PostgreSQL database (an SQLite file has one writer)")
            }
            guard HAProxyBalancer.executable() != nil else {
                throw ValidationError("--replicas runs HAProxy in front of the replicas: install the Debian package haproxy")
            }
        }
    }

    private static func replicaCounts(_ text: String) throws -> ReplicaCounts {
        guard let counts = ReplicaCounts(settingText: text) else { throw ValidationError("--replicas must be \(ReplicaCounts.settingExpectation)") }
        return counts
    }

    func run() async throws {
        let logger = Logger(label: "chaos")
        let directory = URL(fileURLWithPath: reportDir, isDirectory: true).standardizedFileURL
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = ChaosExperiment.Configuration(
            executable: systemExecutable.map { URL(fileURLWithPath: $0) } ?? Supervisor.executableURL)
        configuration.orders = orders
        configuration.drainLimit = .seconds(drainLimit)
        configuration.concurrency = concurrency
        configuration.seed = seed
        configuration.logDirectory = directory
        if postgres { configuration.runOnPostgres(replicas: replicas) }
        let experiment = ChaosExperiment(configuration: configuration, logger: logger)
        let modes: [ChaosMode] = mode == .both ? [.naive, .resilient] : [ChaosMode(rawValue: mode.rawValue)!]
        var runs: [ChaosExperiment.Run] = []
        for mode in modes {
            runs.append(try await experiment.run(mode))
        }
        let report = ExperimentReport(configuration: configuration, runs: runs)
        try report.write(to: directory)
        print(report.markdown)
        print("Reports: \(directory.appendingPathComponent("chaos-report.md").path), chaos-report.json")
        for run in runs where !run.faultProblems.isEmpty {
            print("FAILED: the faults did not land in the \(run.mode.rawValue) run, so it proves nothing: " + run.faultProblems.joined(separator: "; "))
        }
        if let resilient = runs.first(where: { $0.mode == .resilient }), !resilient.violations.isEmpty {
            print("FAILED: an invariant of the resilient design broke: " + resilient.violations.joined(separator: "; "))
        }
        if !report.passed { throw ExitCode(1) }
    }
}
