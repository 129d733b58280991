import Foundation
import Logging
import Synchronization
import WarehouseKit

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
        package var notificationKills: [Double] = [0.35]
        /// How long the backlog may take to drain after the workload, faults still on.
        package var drainLimit: Duration = .seconds(60)
        /// Once faults stop, how long the backlog may go without an order reaching its final state before
        /// the orders still pending count as stuck: longer than the reconciler's longest wait between two
        /// tries of an order (its backoff's 10 s cap and a 5 s try), so only an order that is not being
        /// worked on can run it out. A slow machine settles the backlog slowly, but it settles it.
        package var followUp: Duration = .seconds(30)
        /// The longest the backlog is followed after faults stop, however steadily it shrinks.
        package var followUpLimit: Duration = .seconds(300)
        package var deadline: Duration = .seconds(2)
        package var slack: Duration = .milliseconds(100)
        /// Where each run's `warehouse up` log goes (nil: a temporary file).
        package var logDirectory: URL?
        /// Every service on one throwaway PostgreSQL cluster (`up --postgres`) instead of an SQLite file each.
        package var postgres = false
        /// Replicas of order, inventory and notification behind HAProxy (`up --replicas`; PostgreSQL only).
        package private(set) var replicas = ReplicaCounts()

        package init(executable: URL) {
            self.executable = executable
        }

        /// The service token of every run, made from the seed: order ids are derived from idempotency
        /// keys under it, so every run of a seed (either mode, any rerun) gives the workload's orders the
        /// same ids, and the seeded faults, chosen by id, hit the same orders. A lab's token on loopback.
        var serviceToken: String { String(format: "lab-service-token-seed-%020llu", seed) }

        /// Runs the system on PostgreSQL with `replicas`. A replicated order service is killed three times
        /// instead of once, so each of its replicas is killed while the other serves, as inventory's are;
        /// a replicated notification service twice, each replica once.
        package mutating func runOnPostgres(replicas: ReplicaCounts) {
            postgres = true
            self.replicas = replicas
            if replicas.count(of: .order) > 1 { orderKills = [0.3, 0.55, 0.8] }
            if replicas.count(of: .notification) > 1 { notificationKills = [0.35, 0.6] }
        }

        /// What the system runs on, for the report.
        package var topology: String {
            let replicated = ReplicaCounts.replicable.filter { replicas.count(of: $0) > 1 }
            let processes =
                replicated.isEmpty
                ? "one process of each service"
                : replicated.map { "\($0.rawValue) ×\(replicas.count(of: $0))" }.joined(separator: " and ")
                    + " behind HAProxy, one replica of a tier killed at a time, in turn"
            return (postgres ? "PostgreSQL (a throwaway local cluster), " : "SQLite files, ") + processes
        }

        /// The processes that inject faults, each of which the run switches off at its end.
        package var faultInstances: [String] {
            [ServiceName.inventory, .order].flatMap(replicas.instances(of:))
        }

        /// The flags of `warehouse up` for both modes: the faults and what the system runs on.
        package var systemArguments: [String] {
            faultArguments + (postgres ? ["--postgres"] : []) + (replicas.isReplicated ? ["--replicas", replicas.settingText] : [])
        }

        /// The fault flags of `warehouse up`, the same for both modes.
        package var faultArguments: [String] {
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
        /// The invariants.
        package var figures: RunFigures
        /// The tries whose answer reached the client later than the deadline allows, or that broke the
        /// deadline by the service's clock, to be found in the run's log by their request id.
        package var lateAnswers: [LateAnswer]
        /// Every answer a client got, whatever it was.
        package var latency: LatencyPercentiles
        package var shoppers: ShopperExperience
        /// Exactly one notification per order transition, and how far notification lagged.
        package var notifications: NotificationFigures
        /// Each fault: configured against landed.
        package var faults: [FaultTally]
        /// Why inventory's fault ledger could not be read, if it could not.
        package var ledgerMissing: String?
        /// How long the order service's circuit to inventory was open; nil in the naive design (no breaker).
        package var circuit: CircuitTime?
        /// From the end of the workload until the last order was final, faults still on; nil when orders
        /// were still pending at the drain limit.
        package var drainSeconds: Double?
        package var kills: [String]
        package var seconds: Double

        package init(
            mode: ChaosMode, figures: RunFigures, latency: LatencyPercentiles, shoppers: ShopperExperience,
            notifications: NotificationFigures, faults: [FaultTally],
            ledgerMissing: String?, circuit: CircuitTime?, drainSeconds: Double?, kills: [String], seconds: Double,
            lateAnswers: [LateAnswer] = []
        ) {
            self.mode = mode
            self.figures = figures
            self.lateAnswers = lateAnswers
            self.latency = latency
            self.shoppers = shoppers
            self.notifications = notifications
            self.faults = faults
            self.ledgerMissing = ledgerMissing
            self.circuit = circuit
            self.drainSeconds = drainSeconds
            self.kills = kills
            self.seconds = seconds
        }

        /// Every invariant that broke: the order flow's and the notification service's.
        package var violations: [String] { figures.violations + notifications.violations }
        /// Every invariant but the deadline's (`RunFigures.stateViolations`).
        package var stateViolations: [String] { figures.stateViolations + notifications.violations }

        /// Why the run proves nothing: the faults that did not land.
        package var faultProblems: [String] {
            FaultCheck.problems(faults, ledgerMissing: ledgerMissing)
        }
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
            arguments: configuration.systemArguments + (mode == .naive ? ["--naive"] : []),
            environment: [CommonSettings.serviceToken.environmentName: configuration.serviceToken],
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
        let kills = KillSchedule(
            [(.inventory, configuration.inventoryKills), (.order, configuration.orderKills), (.notification, configuration.notificationKills)],
            replicas: configuration.replicas, total: total)
        let audit = NotificationAudit(
            http: http, orderURL: system.orderURL, notificationURL: system.notificationURL, adminToken: token)
        let lagWatch = Task { await LagWatch.watch(audit) }
        let stallMeter = StallMeter()
        stallMeter.start()
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
        let workloadEnded = Date()
        stallMeter.stop()
        logger.info("workload ends", metadata: ["mode": "\(mode.rawValue)"])
        let latency = LatencyPercentiles(milliseconds: placed.flatMap(\.attempts).map(\.milliseconds))

        // The faults stay on while the reconciler works off the backlog: the crash and the 500 strike
        // only a key's first commit, so every order can still finish. They stop once nothing is pending
        // (or at the drain limit), and only then is "stuck pending" measured.
        // The naive design has no reconciler: what it left pending stays so, and waiting for it would
        // only make the run longer.
        let acknowledged = Set(placed.compactMap(\.orderId))
        let drained =
            mode == .resilient
            ? await waitUntilSettled(acknowledged, system, http: http, until: ContinuousClock.now + configuration.drainLimit)
            : false
        let faultsOff = try await FaultSwitch(system: system, token: token, http: http, instances: configuration.faultInstances).turnOff()
        defer { faultsOff.cancel() }
        if mode == .resilient, !drained {
            _ = await waitUntilSettled(
                acknowledged, system, http: http, until: ContinuousClock.now + configuration.followUpLimit,
                stalledAfter: configuration.followUp)
        }
        let (ledger, ledgerMissing) = await readLedger(system, token: token, http: http)
        let final = try await finalState(system, workload: workload, http: http)
        let ordersByID = Dictionary(final.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let records = placed.map { record in
            var record = record
            if let order = record.orderId.flatMap({ ordersByID[$0] }) { record.finalState = order.status }
            return record
        }
        let figures = InvariantCheck.evaluate(
            records: records,
            final: final,
            answerBound: configuration.deadline + configuration.slack,
            stalls: stallMeter.seen,
            latency: latency
        )
        // Every transition the order feed holds must have its one notification once notification has
        // caught up; lag was watched from the start.
        var notifications = try await audit.settle(
            timeout: configuration.followUpLimit, stalledAfter: configuration.followUp, orders: final.orders)
        lagWatch.cancel()
        (notifications.maxLagEvents, notifications.maxLagSeconds) = await lagWatch.value
        let lastFinal = final.orders.filter { $0.status != "pending" }.compactMap(\.updatedAt).max()
        return Run(
            mode: mode,
            figures: figures,
            latency: latency,
            shoppers: ShopperExperience.evaluate(records: records, orders: final.orders),
            notifications: notifications,
            faults: FaultTally.tallies(configured: configuration, ledger: ledger, records: records),
            ledgerMissing: ledgerMissing,
            // Replicas of order log their breakers under one name into one file: their times cannot be told apart.
            circuit: mode == .naive || configuration.replicas.count(of: .order) > 1
                ? nil
                : try? CircuitTime.read(log: system.logFile, service: "order", dependency: "inventory", until: Date()),
            drainSeconds: drained ? max(0, (lastFinal ?? workloadEnded).timeIntervalSince(workloadEnded)) : nil,
            kills: kills.log,
            seconds: (ContinuousClock.now - started).milliseconds / 1000,
            lateAnswers: InvariantCheck.lateAnswers(
                records: records, bound: configuration.deadline + configuration.slack, stalls: stallMeter.seen)
        )
    }

    /// Polls until no acknowledged order is pending (true), or `deadline` passes, or (with `stalledAfter`)
    /// no acknowledged order has left `pending` for that long (false). Orders nobody was told about are
    /// not a backlog anyone waits for. A killed order service answers nothing for a moment: not "settled".
    private func waitUntilSettled(
        _ acknowledged: Set<String>, _ system: SystemLauncher, http: LabHTTP, until deadline: ContinuousClock.Instant,
        stalledAfter stall: Duration? = nil
    ) async -> Bool {
        var progress = BacklogProgress()
        while true {
            if let pending = await pendingOrderIDs(system, http: http) {
                let waiting = pending.intersection(acknowledged).count
                if waiting == 0 { return true }
                progress.note(waiting)
            }
            guard ContinuousClock.now < deadline, !progress.stalled(for: stall) else { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The ids of every pending order, or nil when the order service did not answer.
    private func pendingOrderIDs(_ system: SystemLauncher, http: LabHTTP) async -> Set<String>? {
        var ids: Set<String> = []
        while true {
            guard
                let reply = try? await http.send(
                    .GET, system.orderURL + "/orders?status=pending&limit=500&offset=\(ids.count)", timeout: .seconds(5)),
                reply.status == 200, let page = try? reply.json(Contract.OrderList.self)
            else { return nil }
            ids.formUnion(page.orders.map(\.id))
            if page.orders.count < 500 { return ids }
        }
    }

    /// Inventory's fault ledger, or why it could not be read. It is kept in inventory's database, so
    /// with replicas sharing one PostgreSQL database, one read through the balancer counts them all.
    private func readLedger(_ system: SystemLauncher, token: String, http: LabHTTP) async -> (Contract.FaultLedger?, String?) {
        do {
            let reply = try await Self.get(system.inventoryURL + "/admin/faults", headers: [("Authorization", "Bearer \(token)")], http: http)
            guard reply.status == 200 else { return (nil, "GET /admin/faults answered \(reply.status)") }
            return (try reply.json(Contract.FaultLedger.self), nil)
        } catch {
            return (nil, "GET /admin/faults failed: \(error)")
        }
    }

    /// `GET url`, sent again for up to a minute while the connection fails: a service may be restarting
    /// (the lab's client leaves refused connections to its callers).
    private static func get(_ url: String, headers: [(String, String)] = [], http: LabHTTP) async throws -> LabHTTP.Reply {
        let giveUp = ContinuousClock.now + .seconds(60)
        while true {
            do {
                return try await http.send(.GET, url, headers: headers)
            } catch {
                guard ContinuousClock.now < giveUp else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Stock and every order, as the services report them.
    private func finalState(_ system: SystemLauncher, workload: OrderWorkload, http: LabHTTP) async throws -> FinalState {
        let products = try await Self.get(system.inventoryURL + "/products", http: http).json(Contract.ProductList.self).products
        var orders: [Contract.Order] = []
        while true {
            let page = try await Self.get(system.orderURL + "/orders?limit=500&offset=\(orders.count)", http: http).json(
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
