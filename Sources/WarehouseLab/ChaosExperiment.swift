import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The two designs the experiment compares on the same workload and fault schedule.
package enum ChaosMode: String, Sendable, Codable, CaseIterable {
    /// No retries, no reconciler, no idempotency: the design this project replaces (`--naive`).
    case naive
    /// The system as built.
    case resilient
}

/// "Schrödinger's warehouse": a seeded workload against a real system that is delayed, crashed and lied
/// to on a seeded schedule, then an audit of what every client was told against what happened.
package struct ChaosExperiment: Sendable {
    package struct Configuration: Sendable {
        package var executable: URL
        package var orders = 2000
        package var concurrency = 32
        package var seed: UInt64 = 42
        package var gremlinFraction = 0.10
        package var gremlinDelay: Duration = .milliseconds(2500)
        package var crashAfterCommitFraction = 0.05
        package var errorAfterCommitFraction = 0.05
        package var orderErrorAfterStoreFraction = 0.05
        /// Where in the workload, as fractions of it, inventory and order are killed with SIGKILL.
        package var inventoryKills: [Double] = [0.2, 0.45, 0.7]
        package var orderKills: [Double] = [0.55]
        /// How long orders are followed after faults stop.
        package var followUp: Duration = .seconds(30)
        package var deadline: Duration = .seconds(2)
        package var slack: Duration = .milliseconds(100)
        /// Where each run's `warehouse up` log goes (nil: a temporary file).
        package var logDirectory: URL?

        package init(executable: URL) {
            self.executable = executable
        }

        /// The fault flags of `warehouse up`, the same for both modes.
        var faultArguments: [String] {
            [
                "--chaos-seed", "\(seed)",
                "--gremlin-fraction", "\(gremlinFraction)", "--gremlin-delay-ms", "\(Int(gremlinDelay.milliseconds))",
                "--crash-after-commit-fraction", "\(crashAfterCommitFraction)",
                "--error-after-commit-fraction", "\(errorAfterCommitFraction)",
                "--order-error-after-store-fraction", "\(orderErrorAfterStoreFraction)",
                "--order-deadline-ms", "\(Int(deadline.milliseconds))",
            ]
        }
    }

    package struct Run: Sendable, Codable {
        package var mode: ChaosMode
        package var figures: RunFigures
        package var latency: LatencyPercentiles
        package var kills: [String]
        package var seconds: Double
    }

    package let configuration: Configuration
    package let logger: Logger

    package init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    package func run(_ mode: ChaosMode) async throws -> Run {
        let started = ContinuousClock.now
        let http = LabHTTP()
        defer { Task { await http.shutdown() } }
        let workload = OrderWorkload(seed: configuration.seed, orders: configuration.orders)
        let log = configuration.logDirectory?.appendingPathComponent("\(mode.rawValue)-up.log")
        let system = try await SystemLauncher.start(
            executable: configuration.executable,
            arguments: configuration.faultArguments + (mode == .naive ? ["--naive"] : []),
            http: http,
            logFile: log
        )
        do {
            let run = try await drive(system, workload: workload, mode: mode, http: http, started: started)
            await system.stop()
            return run
        } catch {
            await system.stop(keepData: true)
            throw error
        }
    }

    private func drive(
        _ system: SystemLauncher,
        workload: OrderWorkload,
        mode: ChaosMode,
        http: LabHTTP,
        started: ContinuousClock.Instant
    ) async throws -> Run {
        let token = try system.adminToken
        try await system.restock(for: workload, http: http)
        logger.info("workload starts", metadata: ["mode": "\(mode.rawValue)", "orders": "\(workload.orders.count)"])

        let client = ShopperClient(http: http, orderURL: system.orderURL)
        let total = workload.orders.count
        let next = SharedCounter()
        let kills = KillSchedule(inventoryAt: configuration.inventoryKills, orderAt: configuration.orderKills, total: total)
        let placed: [OrderRecord] = await withTaskGroup(of: [OrderRecord].self) { group in
            for _ in 0..<configuration.concurrency {
                group.addTask {
                    var mine: [OrderRecord] = []
                    while let index = next.take(below: total) {
                        await kills.killIfPlanned(before: index, system: system, logger: logger)
                        mine.append(await client.place(workload.orders[index]))
                    }
                    return mine
                }
            }
            var all: [OrderRecord] = []
            for await part in group { all += part }
            return all.sorted { $0.number < $1.number }
        }
        let latency = LatencyPercentiles(milliseconds: placed.flatMap(\.attempts).map(\.milliseconds))

        // Faults stop here; from now on every acknowledged order must reach its end within the follow-up time.
        try await stopFaults(system, token: token, http: http)
        let followDeadline = ContinuousClock.now + configuration.followUp
        let records = await withTaskGroup(of: OrderRecord.self) { group in
            for record in placed {
                group.addTask { await client.follow(record, until: followDeadline) }
            }
            var all: [OrderRecord] = []
            for await record in group { all.append(record) }
            return all.sorted { $0.number < $1.number }
        }
        let final = try await finalState(system, workload: workload, http: http)
        let figures = InvariantCheck.evaluate(
            records: records,
            final: final,
            answerBound: configuration.deadline + configuration.slack,
            latency: latency
        )
        return Run(
            mode: mode,
            figures: figures,
            latency: latency,
            kills: kills.log,
            seconds: (ContinuousClock.now - started).milliseconds / 1000
        )
    }

    /// Turns every fault off at run time, retrying while a killed service is still coming back.
    private func stopFaults(_ system: SystemLauncher, token: String, http: LabHTTP) async throws {
        try await system.waitUntilReady(timeout: .seconds(60))
        for url in [system.inventoryURL, system.orderURL] {
            let giveUp = ContinuousClock.now + .seconds(60)
            while (try? await http.send(
                .PUT, url + "/admin/chaos", json: Data("{}".utf8), headers: [("Authorization", "Bearer \(token)")]
            ).status) != 200 {
                guard ContinuousClock.now < giveUp else { throw LabError.unexpected("could not turn chaos off at \(url)") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Stock and every order, as the services report them.
    private func finalState(_ system: SystemLauncher, workload: OrderWorkload, http: LabHTTP) async throws -> FinalState {
        let products = try await http.send(.GET, system.inventoryURL + "/products").json(Contract.ProductList.self).products
        var orders: [Contract.Order] = []
        while true {
            let page = try await http.send(.GET, system.orderURL + "/orders?limit=500&offset=\(orders.count)").json(
                Contract.OrderList.self
            ).orders
            orders += page
            if page.count < 500 { break }
        }
        let labSKUs = Set(workload.catalogue.map(\.sku))
        return FinalState(
            initialStock: Dictionary(uniqueKeysWithValues: workload.catalogue.map { ($0.sku, $0.stock) }),
            finalStock: Dictionary(uniqueKeysWithValues: products.filter { labSKUs.contains($0.sku) }.map { ($0.sku, $0.stock) }),
            orders: orders.filter { $0.customerId.hasPrefix("lab-") }
        )
    }
}

/// Kills services with SIGKILL at fixed points of the workload: when order number k is about to be
/// sent, so the same run kills at the same place every time; `warehouse up` restarts them.
final class KillSchedule: Sendable {
    private let plan: [Int: String]
    private let state = Mutex<(log: [String], lastPid: [String: Int32])>(([], [:]))

    init(inventoryAt: [Double], orderAt: [Double], total: Int) {
        var plan: [Int: String] = [:]
        for (fractions, service) in [(inventoryAt, "inventory"), (orderAt, "order")] {
            for fraction in fractions { plan[min(total - 1, max(0, Int((Double(total) * fraction).rounded())))] = service }
        }
        self.plan = plan
    }

    var log: [String] { state.withLock { $0.log } }

    /// Kills the service planned for order `index`, if any, once it runs (a restart from an earlier kill
    /// may still be under way).
    func killIfPlanned(before index: Int, system: SystemLauncher, logger: Logger) async {
        guard let service = plan[index] else { return }
        let previous = state.withLock { $0.lastPid[service] }
        let giveUp = ContinuousClock.now + .seconds(30)
        var pid = system.pid(of: service)
        while pid == nil || pid == previous, ContinuousClock.now < giveUp {
            try? await Task.sleep(for: .milliseconds(10))
            pid = system.pid(of: service)
        }
        guard let pid, pid != previous else { return }
        let killed = kill(pid, SIGKILL) == 0
        let line = "kill -9 \(service) before order \(index + 1)\(killed ? "" : " (failed)")"
        logger.info("\(line)")
        state.withLock {
            $0.log.append(line)
            $0.lastPid[service] = pid
        }
    }
}

/// A counter shared by the tasks of a run.
final class SharedCounter: Sendable {
    private let count = Mutex(0)

    /// The next number below `limit`, or nil once they are all taken.
    func take(below limit: Int) -> Int? {
        count.withLock { value in
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
