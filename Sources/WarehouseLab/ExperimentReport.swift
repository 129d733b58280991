import Foundation

/// The side-by-side result of the chaos experiment, as Markdown and JSON.
package struct ExperimentReport: Sendable, Codable {
    package var seed: UInt64
    package var orders: Int
    package var concurrency: Int
    /// What the system ran on: the database, and the replicas of each tier.
    package var topology: String
    package var faults: [String]
    /// How many `kill -9`s each run planned.
    package var plannedKills: Int
    /// How long the backlog may go without shrinking, faults off, before what is pending counts as stuck.
    package var stallLimitSeconds: Int
    package var runs: [ChaosExperiment.Run]

    package init(configuration: ChaosExperiment.Configuration, runs: [ChaosExperiment.Run]) {
        seed = configuration.seed
        orders = configuration.orders
        concurrency = configuration.concurrency
        topology = configuration.topology
        faults = [
            "\(Self.percent(configuration.gremlinFraction)) of deductions delayed \(Int(configuration.gremlinDelay.milliseconds)) ms (after commit)",
            "\(Self.percent(configuration.crashAfterCommitFraction)) of deductions: inventory exits after commit",
            "\(Self.percent(configuration.errorAfterCommitFraction)) of deductions: inventory answers 500 after commit",
            "\(Self.percent(configuration.orderErrorAfterStoreFraction)) of new orders: order service answers 500 after storing",
            "kill -9 of inventory at \(configuration.inventoryKills.map { "\(Int($0 * 100))%" }.joined(separator: ", ")), "
                + "of order at \(configuration.orderKills.map { "\(Int($0 * 100))%" }.joined(separator: ", ")) "
                + "and of notification at \(configuration.notificationKills.map { "\(Int($0 * 100))%" }.joined(separator: ", ")) of the orders",
        ]
        stallLimitSeconds = Int(configuration.followUp.milliseconds / 1000)
        plannedKills = configuration.inventoryKills.count + configuration.orderKills.count + configuration.notificationKills.count
        self.runs = runs
    }

    /// Whether every run's faults landed and our design kept every invariant.
    package var passed: Bool {
        runs.allSatisfy { $0.faultProblems.isEmpty }
            && runs.filter { $0.mode == .resilient }.allSatisfy { $0.violations.isEmpty }
    }

    package var markdown: String {
        var text = "# Schrödinger's warehouse: naive design against ours\n\n"
        text += "Seed \(seed), \(orders) orders, \(concurrency) concurrent clients; \(topology). Faults, the same in every run; they stay on "
        text += "until our design's reconciler has brought every order to its final state (or the drain limit), and only then are "
        text += "switched off; an order counts as stuck once, faults off, the backlog has not shrunk for \(stallLimitSeconds) s (the naive design "
        text += "has no reconciler, so nothing is waited for):\n\n"
        text += faults.map { "- \($0)\n" }.joined() + "\n"
        text += "## Faults: configured and landed\n\n"
        text += "Inventory's faults as its fault ledger counts them (`GET /admin/faults`: each is written in the transaction of "
        text += "the deduction it strikes, so it survives the crash it causes), out of the deductions inventory committed; the "
        text += "order service's as the shoppers saw them, out of the first tries it answered (201, 202, 409 or the 500: "
        text += "a try answered 502 by the naive design, or cut off by a kill, never reached the fault).\n\n"
        text += table(
            header: "fault | configured",
            rows: (runs.first?.faults ?? []).indices.map { index in
                let first = runs[0].faults[index]
                return ([first.summary, Self.percent(first.rate)], { run in Self.landed(run.faults[index]) })
            } + [(["kill -9 of a service", "\(plannedKills)"], { "\($0.kills.count)" })]
        )
        text += "\n## What shoppers got\n\n"
        text += "First answers while the faults were on, by kind, each with its own latency (p50 / p99 / max); then the time "
        text += "from placing an order to its final state, and how the system got there.\n\n"
        text += table(header: "", rows: shopperRows.map { ([$0.0], $0.1) })
        text += "\n## Invariants\n\n"
        text += table(header: "", rows: invariantRows.map { name, value in ([name], { run in value(run.figures) }) })
        text += "\n## Notifications: exactly one per order transition\n\n"
        text += "The order feed's shipped, rejected and delayed events against the notifications the notification service "
        text += "made (it was killed with SIGKILL too), read once it had caught up; its lag as its `/health` reported it "
        text += "every half second.\n\n"
        text += table(header: "", rows: notificationRows.map { name, value in ([name], { run in value(run.notifications) }) })
        text += "\n"
        for run in runs {
            text += "**\(run.mode.rawValue)** (\(String(format: "%.0f", run.seconds)) s; \(run.kills.joined(separator: "; "))): "
            let faults = run.faultProblems
            text += faults.isEmpty ? "every fault landed; " : "THE FAULTS DID NOT LAND, the run proves nothing: \(faults.joined(separator: "; ")); "
            let violations = run.violations
            text += violations.isEmpty ? "every invariant holds.\n\n" : violations.joined(separator: "; ") + ".\n\n"
            if !run.lateAnswers.isEmpty {
                // The ones that broke the deadline first: they are what a reader must find in the log.
                let named = run.lateAnswers.filter(\.breaksDeadline) + run.lateAnswers.filter { !$0.breaksDeadline }
                text += "Answers late in the \(run.mode.rawValue) run, the deadline's breakers first (request id, status, time at the "
                text += "client and in the service; each request's lines in "
                text += "`\(run.mode.rawValue)-up.log` carry its id): "
                text += named.prefix(Self.lateAnswersNamed).map(Self.describe).joined(separator: ", ")
                text += run.lateAnswers.count > Self.lateAnswersNamed ? ", … (all in chaos-report.json).\n\n" : ".\n\n"
            }
        }
        return text
    }

    private var shopperRows: [(String, (ChaosExperiment.Run) -> String)] {
        var rows: [(String, (ChaosExperiment.Run) -> String)] = [
            (
                "definite first answers (shipped or rejected)",
                { run in "\(run.shoppers.definite) of \(run.shoppers.orders) (\(Self.percent(run.shoppers.definiteShare, digits: 1)))" }
            )
        ]
        for kind in AnswerKind.allCases {
            rows.append(
                (
                    "first answer \(kind.rawValue)\(kind == .error ? " (5xx, transport)" : ""): count, p50 / p99 / max (ms)",
                    { run in
                        let answers = run.shoppers[kind]
                        return answers.count == 0 ? "0" : "\(answers.count): \(Self.milliseconds(answers.latency))"
                    }
                ))
        }
        rows += [
            ("placement to final state p50 / p99 / max (ms)", { Self.milliseconds($0.shoppers.placementToFinal) }),
            (
                "circuit open in all (times opened)",
                { run in run.circuit.map { String(format: "%.1f s (%d)", $0.openSeconds, $0.openings) } ?? (run.mode == .naive ? "no breaker" : "not measured") }
            ),
            (
                "drain: last order final after the workload ended, faults on",
                { run in run.drainSeconds.map { String(format: "%.2f s", $0) } ?? (run.mode == .naive ? "no reconciler" : "not drained") }
            ),
            ("every answer p50 / p99 / max (ms)", { Self.milliseconds($0.latency) }),
        ]
        return rows
    }

    private var notificationRows: [(String, (NotificationFigures) -> String)] {
        [
            ("order transitions in the feed (shipped, rejected, delayed)", { "\($0.transitions)" }),
            ("notifications missing / duplicated / unexpected", { "\($0.missing) / \($0.duplicated) / \($0.unexpected)" }),
            ("final orders without their event", { "\($0.finalOrdersWithoutEvent)" }),
            ("notification max lag (events / s)", { String(format: "%d / %.1f", $0.maxLagEvents, $0.maxLagSeconds) }),
        ]
    }

    private var invariantRows: [(String, (RunFigures) -> String)] {
        [
            ("orders planned", { "\($0.ordersPlanned)" }),
            ("orders acknowledged", { "\($0.acknowledged)" }),
            ("shipped / rejected (final)", { "\($0.shipped) / \($0.rejected)" }),
            ("lost (acknowledged, not found)", { "\($0.lost)" }),
            ("stuck pending at the end", { "\($0.stuckPending)" }),
            ("duplicate orders for one key", { "\($0.duplicateOrders)" }),
            ("units deducted twice", { "\($0.doubleDeductedUnits)" }),
            ("units oversold", { "\($0.oversoldUnits)" }),
            ("stock drift (units)", { "\($0.stockDrift)" }),
            ("user-visible errors (5xx, transport)", { "\($0.userVisibleErrors)" }),
            ("answers later than deadline + 100 ms by the order service's clock, beyond the machine's stalls", { "\($0.lateAnswers)" }),
            ("answers late by the service's clock only while the machine stood still (a figure)", { "\($0.lateInStalls)" }),
            ("answers later than deadline + 100 ms, by the client's clock (a figure)", { "\($0.lateToClient)" }),
        ]
    }

    /// A Markdown table: the leading cells of each row, then one cell per run.
    private func table(header: String, rows: [([String], (ChaosExperiment.Run) -> String)]) -> String {
        let leading = header.isEmpty ? 1 : header.components(separatedBy: " | ").count
        var text = "| \(header) | " + runs.map(\.mode.rawValue).joined(separator: " | ") + " |\n"
        text += "|" + String(repeating: "---|", count: leading) + runs.map { _ in "---:|" }.joined() + "\n"
        for (cells, value) in rows {
            text += "| " + cells.joined(separator: " | ") + " | " + runs.map(value).joined(separator: " | ") + " |\n"
        }
        return text
    }

    private static func landed(_ tally: FaultTally) -> String {
        let unit = tally.kind.hasPrefix("order") ? "orders" : "deductions"
        let share = tally.population == 0 ? 0 : Double(tally.landed) / Double(tally.population)
        var text = "\(tally.landed) of \(tally.population) \(unit) (\(percent(share, digits: 1)))"
        if tally.injections != tally.landed { text += ", \(tally.injections) times" }
        return text
    }

    /// How many late answers the Markdown names; the JSON has them all.
    private static let lateAnswersNamed = 10

    private static func describe(_ late: LateAnswer) -> String {
        let sent = late.sentAt.map { " sent " + Date.ISO8601FormatStyle().time(includingFractionalSeconds: true).format($0) } ?? ""
        let stalled = late.serverStallMilliseconds.map { $0 > 0 ? ", \(Int($0)) ms of them stalled" : "" } ?? ""
        let service = late.serverMilliseconds.map { ", \(Int($0)) ms in the service\(stalled)" } ?? ""
        let broke = late.breaksDeadline ? "broke the deadline: " : ""
        return "\(late.requestID ?? "order \(late.order) try \(late.attempt)") (\(broke)\(late.status) after \(Int(late.milliseconds)) ms\(service)\(sent))"
    }

    private static func milliseconds(_ latency: LatencyPercentiles) -> String {
        latency.count == 0 ? "–" : String(format: "%.0f / %.0f / %.0f", latency.p50, latency.p99, latency.max)
    }

    private static func percent(_ share: Double, digits: Int = 0) -> String {
        String(format: "%.\(digits)f%%", share * 100)
    }

    package func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(markdown.utf8).write(to: directory.appendingPathComponent("chaos-report.md"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent("chaos-report.json"))
    }
}
