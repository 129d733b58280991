import Foundation
import Testing
import WarehouseLab

/// An experiment whose faults did not land proves nothing: the checker must say so.
struct FaultCheckTests {
    func tally(_ kind: String, rate: Double, of population: Int, landed: Int) -> FaultTally {
        FaultTally(kind: kind, summary: kind, rate: rate, population: population, landed: landed, injections: landed)
    }

    @Test func aRunWithNoFaultLandedFails() {
        let problems = FaultCheck.problems([
            tally("gremlin-delay", rate: 0.10, of: 10_000, landed: 0),
            tally("crash-after-commit", rate: 0.05, of: 10_000, landed: 0),
            tally("error-after-commit", rate: 0.05, of: 10_000, landed: 0),
            tally("order-error-after-store", rate: 0.05, of: 10_000, landed: 0),
        ])
        #expect(problems.count == 4)
        #expect(problems.first == "gremlin-delay landed on 0 of 10000, fewer than half of the 1000 it should have hit (10%)")
    }

    @Test func theRunOfTheIssueFails() {
        // 10,000 orders; the circuit kept the faults away: 2 crashes after commit of the 500 configured.
        let problems = FaultCheck.problems([
            tally("crash-after-commit", rate: 0.05, of: 10_000, landed: 2),
            tally("error-after-commit", rate: 0.05, of: 10_000, landed: 480),
        ])
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("crash-after-commit landed on 2 of 10000") == true)
    }

    @Test func faultsThatLandedOnAtLeastHalfPass() {
        #expect(
            FaultCheck.problems([
                tally("gremlin-delay", rate: 0.10, of: 300, landed: 15),
                tally("crash-after-commit", rate: 0.05, of: 300, landed: 14),
                tally("error-after-commit", rate: 0, of: 300, landed: 0),
            ]).isEmpty)
    }

    @Test func aConfiguredFaultWithNothingToStrikeFails() {
        #expect(FaultCheck.problems([tally("crash-after-commit", rate: 0.05, of: 0, landed: 0)]).count == 1)
    }

    @Test func aMissingLedgerFails() {
        #expect(FaultCheck.problems([], ledgerMissing: "GET /admin/faults answered 404").count == 1)
    }

    @Test func aRunReportsItsFaultProblems() {
        var run = ChaosExperiment.Run(
            mode: .resilient, figures: RunFigures(), latency: LatencyPercentiles(), shoppers: ShopperExperience(),
            notifications: NotificationFigures(), faults: [tally("crash-after-commit", rate: 0.05, of: 10_000, landed: 2)], ledgerMissing: nil, circuit: nil,
            drainSeconds: 0, kills: [], seconds: 1)
        var configuration = ChaosExperiment.Configuration(executable: URL(fileURLWithPath: "/bin/true"))
        configuration.orders = 10_000
        #expect(!ExperimentReport(configuration: configuration, runs: [run]).passed)
        #expect(ExperimentReport(configuration: configuration, runs: [run]).markdown.contains("THE FAULTS DID NOT LAND"))
        run.faults = [tally("crash-after-commit", rate: 0.05, of: 10_000, landed: 500)]
        #expect(ExperimentReport(configuration: configuration, runs: [run]).passed)
        run.notifications.missing = 1
        #expect(!ExperimentReport(configuration: configuration, runs: [run]).passed, "a missing notification fails the run")
        #expect(ExperimentReport(configuration: configuration, runs: [run]).markdown.contains("1 order transitions without a notification"))
    }
}
