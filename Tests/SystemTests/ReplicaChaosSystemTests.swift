import Foundation
import Logging
import Testing
import WarehouseKit
import WarehouseLab
import WarehouseTestSupport

/// The chaos experiment on `warehouse up --postgres --replicas order=2,inventory=2`: the same seeded
/// faults as on SQLite, and `kill -9` of one replica of each tier at a time, in turn, while the other
/// serves behind HAProxy. Every invariant must hold, as it does with one process of each.
@Suite(
    "Chaos on PostgreSQL with replicas", .serialized, .timeLimit(.minutes(20)),
    .enabled(if: TestPostgres.isAvailable, "\(TestPostgres.unavailableReason ?? "")"),
    // `up --postgres` runs a cluster of this machine's own binaries, whatever server the other tests use.
    .enabled(if: LocalPostgres.findBinaries() != nil, "up --postgres needs the Debian package postgresql"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy"), "haproxy is not installed"))
struct ReplicaChaosSystemTests {
    @Test("200 orders under seeded faults, each order and inventory replica killed in turn: every fault lands, every invariant holds")
    func chaosAcrossReplicas() async throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-replica-chaos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        var configuration = ChaosExperiment.Configuration(executable: try SystemLauncher.binary())
        configuration.orders = 200
        configuration.concurrency = 8
        configuration.logDirectory = logs
        configuration.runOnPostgres(replicas: try #require(ReplicaCounts(settingText: "order=2,inventory=2")))
        let run = try await ChaosExperiment(configuration: configuration, logger: Logger(label: "replica-chaos")).run(.resilient)

        #expect(run.faultProblems.isEmpty, "\(run.faultProblems)")
        #expect(run.violations.isEmpty, "\(run.violations)")
        #expect(run.figures.acknowledged == 200)
        // Inventory at 20%, 45%, 70%; order at 30%, 55%, 80%; notification at 35%: each replica at least once.
        #expect(run.kills.count == 7, "\(run.kills)")
        #expect(!run.kills.contains { $0.hasSuffix("(failed)") }, "\(run.kills)")
        for instance in ["inventory-1", "inventory-2", "order-1", "order-2", "notification"] {
            #expect(run.kills.contains { $0.hasPrefix("kill -9 \(instance) before order") }, "\(instance) was not killed: \(run.kills)")
        }
        if run.violations.isEmpty, run.faultProblems.isEmpty {
            try? FileManager.default.removeItem(at: logs)
        } else {
            let log = logs.appendingPathComponent("resilient-up.log")
            Issue.record("the run's warehouse up log: \(log.path)\n\(Self.lateAnswers(of: run, in: log))")
        }
    }

    /// The late answers and their requests' lines in the up log, for CI's output: the log stays on the
    /// machine that ran it.
    private static func lateAnswers(of run: ChaosExperiment.Run, in log: URL) -> String {
        let lines = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n")
        let named = run.lateAnswers.filter(\.breaksDeadline) + run.lateAnswers.filter { !$0.breaksDeadline }
        return named.prefix(5).map { late in
            let id = late.requestID ?? "-"
            let service =
                late.serverMilliseconds.map { "\(Int($0)) ms in the service, \(Int(late.serverStallMilliseconds ?? 0)) ms stalled" }
                ?? "no Server-Timing"
            let requestLines = lines.filter { $0.contains(id) }.prefix(12).joined(separator: "\n  ")
            return "\(late.breaksDeadline ? "BREAKS THE DEADLINE" : "late at the client"): order \(late.order) try \(late.attempt), \(late.status) after \(Int(late.milliseconds)) ms, \(service), request \(id)\n  \(requestLines)"
        }.joined(separator: "\n")
    }
}
