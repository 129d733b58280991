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

    func configuration(orders: Int) -> ChaosExperiment.Configuration {
        var configuration = ChaosExperiment.Configuration(executable: URL(fileURLWithPath: "/bin/true"))
        configuration.orders = orders
        return configuration
    }

    /// A resilient run in which every invariant held.
    func run(faults: [FaultTally], ledgerMissing: String? = nil) -> ChaosExperiment.Run {
        ChaosExperiment.Run(
            mode: .resilient, figures: RunFigures(), latency: LatencyPercentiles(), shoppers: ShopperExperience(),
            notifications: NotificationFigures(), faults: faults, ledgerMissing: ledgerMissing, circuit: nil,
            drainSeconds: 0, kills: [], seconds: 1)
    }

    /// `count` orders whose first try was answered `status`.
    func records(_ count: Int, firstAnswered status: Int) -> [OrderRecord] {
        (0..<count).map { number in
            var record = OrderRecord(number: number, idempotencyKey: "k\(number)")
            record.attempts = [AttemptRecord(status: status, milliseconds: 3)]
            return record
        }
    }

    @Test("a run in which no fault landed fails, though every invariant held, and its report says what landed")
    func aRunWithNoFaultLandedFailsItsReport() {
        let configuration = configuration(orders: 1000)
        // What the experiment reads back when the circuit kept every call away from the faults: inventory's
        // ledger holds its deductions and no fault, and every shopper got a fast 202.
        let ledger = Contract.FaultLedger(deductions: 1000, faults: [])
        let faults = FaultTally.tallies(configured: configuration, ledger: ledger, records: records(1000, firstAnswered: 202))
        let run = run(faults: faults)
        #expect(run.violations.isEmpty)
        #expect(run.faultProblems.count == 4)

        let report = ExperimentReport(configuration: configuration, runs: [run])
        #expect(!report.passed)
        #expect(report.markdown.contains("THE FAULTS DID NOT LAND, the run proves nothing"))
        #expect(report.markdown.contains("| inventory exits after commit | 5% | 0 of 1000 deductions (0.0%) |"))
        #expect(report.markdown.contains("| order service answers 500 after storing a new order | 5% | 0 of 1000 orders (0.0%) |"))
    }

    @Test("the run of issue 10 fails: 2 crashes, 2 errors and 2 delays landed of the 500, 500 and 1,000 configured")
    func theRunOfTheIssueFailsItsReport() {
        let configuration = configuration(orders: 10_000)
        let ledger = Contract.FaultLedger(
            deductions: 10_000,
            faults: [
                .init(kind: "gremlin-delay", deductions: 2, injections: 2),
                .init(kind: "crash-after-commit", deductions: 2, injections: 2),
                .init(kind: "error-after-commit", deductions: 2, injections: 2),
            ])
        var records = records(10_000, firstAnswered: 202)
        for index in stride(from: 0, to: 10_000, by: 20) { records[index].attempts[0].status = 500 }
        let run = run(faults: FaultTally.tallies(configured: configuration, ledger: ledger, records: records))
        #expect(run.faultProblems.map { $0.prefix { $0 != " " } } == ["gremlin-delay", "crash-after-commit", "error-after-commit"])
        #expect(!ExperimentReport(configuration: configuration, runs: [run]).passed)
    }

    @Test("a run whose faults landed passes; a run with the ledger unreadable does not")
    func theLedgerDecides() {
        let configuration = configuration(orders: 1000)
        let ledger = Contract.FaultLedger(
            deductions: 1000,
            faults: [
                .init(kind: "gremlin-delay", deductions: 98, injections: 250),
                .init(kind: "crash-after-commit", deductions: 51, injections: 51),
                .init(kind: "error-after-commit", deductions: 47, injections: 47),
            ])
        var records = records(1000, firstAnswered: 201)
        for index in stride(from: 0, to: 1000, by: 20) { records[index].attempts[0].status = 500 }
        let landed = run(faults: FaultTally.tallies(configured: configuration, ledger: ledger, records: records))
        #expect(landed.faultProblems.isEmpty, "\(landed.faultProblems)")
        #expect(ExperimentReport(configuration: configuration, runs: [landed]).passed)

        let unread = run(
            faults: FaultTally.tallies(configured: configuration, ledger: nil, records: records),
            ledgerMissing: "GET /admin/faults answered 404")
        #expect(!ExperimentReport(configuration: configuration, runs: [unread]).passed)
    }

    @Test("the order service's 500 is counted out of the first tries that could reach it, not those answered 502 before")
    func firstTriesAnsweredBadGatewayNeverReachedTheOrderFault() {
        // The naive design answers 502 when inventory fails, before the fault's turn: half the orders here.
        var records = records(1000, firstAnswered: 502)
        for index in stride(from: 0, to: 1000, by: 2) { records[index].attempts[0].status = 201 }
        for index in stride(from: 0, to: 1000, by: 40) { records[index].attempts[0].status = 500 }
        let order = FaultTally.tallies(configured: configuration(orders: 1000), ledger: nil, records: records).last
        #expect(order?.kind == "order-error-after-store")
        #expect(order?.population == 500)
        #expect(order?.landed == 25)
        #expect(FaultCheck.problems(order.map { [$0] } ?? []).isEmpty)
    }

    @Test func aRunReportsItsFaultProblems() {
        let configuration = configuration(orders: 10_000)
        var run = run(faults: [tally("crash-after-commit", rate: 0.05, of: 10_000, landed: 2)])
        #expect(!ExperimentReport(configuration: configuration, runs: [run]).passed)
        #expect(ExperimentReport(configuration: configuration, runs: [run]).markdown.contains("THE FAULTS DID NOT LAND"))
        run.faults = [tally("crash-after-commit", rate: 0.05, of: 10_000, landed: 500)]
        #expect(ExperimentReport(configuration: configuration, runs: [run]).passed)
        run.notifications.missing = 1
        #expect(!ExperimentReport(configuration: configuration, runs: [run]).passed, "a missing notification fails the run")
        #expect(ExperimentReport(configuration: configuration, runs: [run]).markdown.contains("1 order transitions without a notification"))
    }

    @Test("a late answer is named by its request id in the report")
    func lateAnswersAreNamed() {
        var late = run(faults: [])
        late.figures.lateAnswers = 1
        late.lateAnswers = [
            LateAnswer(
                order: 7, attempt: 1, status: 202, milliseconds: 2213, serverMilliseconds: 1904, requestID: "lab-7-1",
                sentAt: Date(timeIntervalSince1970: 0))
        ]
        let markdown = ExperimentReport(configuration: configuration(orders: 10), runs: [late]).markdown
        #expect(markdown.contains("lab-7-1 (202 after 2213 ms, 1904 ms in the service sent 00:00:00.000)"), "\(markdown)")
    }
}
