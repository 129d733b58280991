import Foundation

/// The side-by-side result of the chaos experiment, as Markdown and JSON.
package struct ExperimentReport: Sendable, Codable {
    package var seed: UInt64
    package var orders: Int
    package var concurrency: Int
    package var faults: [String]
    package var runs: [ChaosExperiment.Run]

    package init(configuration: ChaosExperiment.Configuration, runs: [ChaosExperiment.Run]) {
        seed = configuration.seed
        orders = configuration.orders
        concurrency = configuration.concurrency
        faults = [
            "\(Int(configuration.gremlinFraction * 100))% of deductions delayed \(Int(configuration.gremlinDelay.milliseconds)) ms (after commit)",
            "\(Int(configuration.crashAfterCommitFraction * 100))% of deductions: inventory exits after commit",
            "\(Int(configuration.errorAfterCommitFraction * 100))% of deductions: inventory answers 500 after commit",
            "\(Int(configuration.orderErrorAfterStoreFraction * 100))% of new orders: order service answers 500 after storing",
            "kill -9 of inventory at \(configuration.inventoryKills.map { "\(Int($0 * 100))%" }.joined(separator: ", ")), "
                + "of order at \(configuration.orderKills.map { "\(Int($0 * 100))%" }.joined(separator: ", ")) "
                + "and of notification at \(configuration.notificationKills.map { "\(Int($0 * 100))%" }.joined(separator: ", ")) of the orders",
        ]
        self.runs = runs
    }

    package var markdown: String {
        let rows: [(String, (RunFigures) -> String)] = [
            ("orders planned", { "\($0.ordersPlanned)" }),
            ("orders acknowledged", { "\($0.acknowledged)" }),
            ("shipped / rejected (final)", { "\($0.shipped) / \($0.rejected)" }),
            ("lost (acknowledged, not found)", { "\($0.lost)" }),
            ("stuck pending 30 s after faults stop", { "\($0.stuckPending)" }),
            ("duplicate orders for one key", { "\($0.duplicateOrders)" }),
            ("units deducted twice", { "\($0.doubleDeductedUnits)" }),
            ("units oversold", { "\($0.oversoldUnits)" }),
            ("stock drift (units)", { "\($0.stockDrift)" }),
            ("user-visible errors (5xx, transport)", { "\($0.userVisibleErrors)" }),
            ("answers later than deadline + 100 ms", { "\($0.lateAnswers)" }),
            (
                "latency p50 / p99 / max (ms)",
                {
                    String(format: "%.1f / %.1f / %.1f", $0.p50Milliseconds, $0.p99Milliseconds, $0.maxMilliseconds)
                }
            ),
        ]
        var text = "# Schrödinger's warehouse: naive design against ours\n\n"
        text += "Seed \(seed), \(orders) orders, \(concurrency) concurrent clients. Faults, the same in every run:\n\n"
        text += faults.map { "- \($0)\n" }.joined() + "\n"
        text += "| | " + runs.map(\.mode.rawValue).joined(separator: " | ") + " |\n"
        text += "|---|" + runs.map { _ in "---:|" }.joined() + "\n"
        for (name, value) in rows {
            text += "| \(name) | " + runs.map { value($0.figures) }.joined(separator: " | ") + " |\n"
        }
        let notificationRows: [(String, (NotificationFigures) -> String)] = [
            ("order transitions in the feed (shipped, rejected, delayed)", { "\($0.transitions)" }),
            ("notifications missing / duplicated / unexpected", { "\($0.missing) / \($0.duplicated) / \($0.unexpected)" }),
            ("final orders without their event", { "\($0.finalOrdersWithoutEvent)" }),
            ("notification max lag (events / s)", { String(format: "%d / %.1f", $0.maxLagEvents, $0.maxLagSeconds) }),
        ]
        for (name, value) in notificationRows {
            text += "| \(name) | " + runs.map { value($0.notifications) }.joined(separator: " | ") + " |\n"
        }
        text += "\n"
        for run in runs {
            let violations = run.violations
            text += "**\(run.mode.rawValue)** (\(String(format: "%.0f", run.seconds)) s; \(run.kills.joined(separator: "; "))): "
            text += violations.isEmpty ? "every invariant holds.\n\n" : violations.joined(separator: "; ") + ".\n\n"
        }
        return text
    }

    package func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(markdown.utf8).write(to: directory.appendingPathComponent("chaos-report.md"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent("chaos-report.json"))
    }
}
