import Foundation

/// What `warehouse load` writes: `report.json` (every request) and `report.md` (totals, latency, the
/// affected orders and the checks), and the summary it prints.
package struct LoadReport: Sendable, Codable {
    package var target: String
    package var orders: Int
    package var concurrency: Int
    package var expectedGremlin: String
    package var result: LoadTest.Result
    /// Peak resident memory of each service, in MiB, when their pids were known.
    package var peakMemoryMiB: [String: Double]
    /// CPU time each process used during the run (services, and the PostgreSQL server when local),
    /// in ms per order sent.
    package var cpuMillisecondsPerOrder: [String: Double]
    package var durability: String?

    package init(
        configuration: LoadTest.Configuration,
        result: LoadTest.Result,
        peakMemoryMiB: [String: Double],
        cpuMillisecondsPerOrder: [String: Double] = [:],
        durability: String?
    ) {
        target = configuration.orderURL
        orders = configuration.orders
        concurrency = configuration.concurrency
        expectedGremlin = "\(configuration.expected)"
        self.result = result
        self.peakMemoryMiB = peakMemoryMiB
        self.cpuMillisecondsPerOrder = cpuMillisecondsPerOrder
        self.durability = durability
    }

    package var summary: String {
        let records = result.records
        let byFirst = Dictionary(grouping: records, by: { $0.firstAnswer ?? "no answer" }).mapValues(\.count)
        let byFinal = Dictionary(grouping: records, by: { $0.finalState ?? "unknown" }).mapValues(\.count)
        let latency = result.latency
        var text = "## Load against \(target)\n\n"
        text += "\(records.count) orders, \(concurrency) concurrent clients, expected gremlin: \(expectedGremlin)"
        if let durability { text += ", durability \(durability)" }
        text += ".\n\n"
        text += String(format: "Throughput: **%.0f orders/s** over %.1f s.\n\n", result.ordersPerSecond, result.seconds)
        text += "| first answer | orders |\n|---|---:|\n"
        text += byFirst.sorted { $0.key < $1.key }.map { "| \($0.key) | \($0.value) |\n" }.joined()
        text += "\n| final state | orders |\n|---|---:|\n"
        text += byFinal.sorted { $0.key < $1.key }.map { "| \($0.key) | \($0.value) |\n" }.joined()
        text += "\n| latency (ms) | p50 | p90 | p99 | p99.9 | max |\n|---|---:|---:|---:|---:|---:|\n"
        text += String(
            format: "| answers (%d) | %.1f | %.1f | %.1f | %.1f | %.1f |\n", latency.count, latency.p50, latency.p90, latency.p99,
            latency.p999, latency.max)
        if let notifications = result.notifications {
            text += String(
                format: "\nNotification: %d order transitions, %d notifications; lag at most %d events, %.1f s.\n",
                notifications.transitions, notifications.notifications, notifications.maxLagEvents,
                notifications.maxLagSeconds)
        }
        if !peakMemoryMiB.isEmpty {
            text += "\n| service | peak RSS (MiB) |\n|---|---:|\n"
            text += peakMemoryMiB.sorted { $0.key < $1.key }.map { String(format: "| %@ | %.1f |\n", $0.key, $0.value) }.joined()
        }
        if !cpuMillisecondsPerOrder.isEmpty {
            text += "\n| process | CPU per order (ms) |\n|---|---:|\n"
            text += cpuMillisecondsPerOrder.sorted { $0.key < $1.key }.map { String(format: "| %@ | %.2f |\n", $0.key, $0.value) }
                .joined()
        }
        text += "\n| check | result |\n|---|---|\n"
        text += result.checks.map { "| \($0.name) | \($0.passed ? "pass" : "**FAIL**: \($0.detail)") |\n" }.joined()
        return text
    }

    package var markdown: String {
        let affected = result.records.filter(LoadCheck.isAffected)
        var text = summary
        text += "\n### Affected orders (\(affected.count))\n\n"
        text += "Delayed by the gremlin (inventory said so) or answered pending; the rest completed normally.\n\n"
        text += "| # | idempotency key | order id | inventory's count of its key | first answer | answered in (ms) "
        text += "| gremlin delay (ms) | final state |\n"
        text += "|---:|---|---|---:|---|---:|---:|---|\n"
        for record in affected {
            text += "| \(record.number) | \(record.idempotencyKey) | \(record.orderId ?? "-") | "
            text += "\(record.deductionOrdinal.map(String.init) ?? "-") | \(record.firstAnswer ?? "-") | "
            text += String(format: "%.0f", record.attempts.last?.milliseconds ?? 0)
            text += " | \(record.gremlinDelayMilliseconds.map(String.init) ?? "-") | \(record.finalState ?? "-") |\n"
        }
        return text
    }

    package func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(markdown.utf8).write(to: directory.appendingPathComponent("report.md"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent("report.json"))
    }
}

/// Peak resident memory (VmHWM) of a process, in MiB, from /proc.
package func peakResidentMemoryMiB(pid: Int32) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = line.split(separator: " ").compactMap({ Double($0) }).first
    else { return nil }
    return kilobytes / 1024
}
