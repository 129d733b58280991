import Foundation
import Logging
import WarehouseKit

/// `warehouse load`: a bounded series of real orders against a running order service, every request
/// recorded, pending orders followed to their end, then checked and reported.
package struct LoadTest: Sendable {
    package struct Configuration: Sendable {
        package var orderURL: String
        package var inventoryURL: String
        package var adminToken: String
        /// When set, the run also checks that every order transition got exactly one notification, and
        /// watches the notification service's lag while it runs.
        package var notificationURL: String?
        package var orders = 3000
        package var concurrency = 32
        /// Orders started per second (open loop); nil sends as fast as `concurrency` allows.
        package var rate: Double?
        /// The run stops sending new orders after this long.
        package var timeLimit: Duration = .seconds(300)
        package var seed: UInt64 = 1
        package var expected = ExpectedGremlin.none
        package var deadline: Duration = .seconds(2)
        package var slack: Duration = .milliseconds(100)
        /// How long pending orders are followed after the last answer.
        package var followUp: Duration = .seconds(60)

        package init(orderURL: String, inventoryURL: String, adminToken: String) {
            self.orderURL = orderURL
            self.inventoryURL = inventoryURL
            self.adminToken = adminToken
        }
    }

    package struct Result: Sendable, Codable {
        package var records: [OrderRecord]
        package var latency: LatencyPercentiles
        package var seconds: Double
        package var ordersPerSecond: Double
        package var checks: [CheckResult]
        package var initialStock: [String: Int]
        package var finalStock: [String: Int]
        /// The notification invariant and lag, when the run checked them.
        package var notifications: NotificationFigures?

        package var passed: Bool { checks.allSatisfy(\.passed) }
    }

    package let configuration: Configuration
    package let logger: Logger

    package init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    package func run(http: LabHTTP) async throws -> Result {
        let skus = (1...4).map { "LOAD-\(configuration.seed)-\($0)" }
        // Stock for every order to ship: a refusal would hide what the load is about.
        let stock = configuration.orders * 3
        var initialStock: [String: Int] = [:]
        for sku in skus {
            let body = try JSONSerialization.data(withJSONObject: ["name": "Load item \(sku)", "stock": stock])
            let reply = try await http.send(
                .PUT, configuration.inventoryURL + "/products/\(sku)", json: body,
                headers: [("Authorization", "Bearer \(configuration.adminToken)")]
            )
            guard reply.status == 200 || reply.status == 201 else {
                throw LabError.unexpected("restock \(sku) answered \(reply.status)")
            }
            initialStock[sku] = stock
        }
        let workload = Self.workload(seed: configuration.seed, orders: configuration.orders, skus: skus)

        let bodies = workload.map(ShopperClient.body(of:))
        let audit = configuration.notificationURL.map {
            NotificationAudit(http: http, orderURL: configuration.orderURL, notificationURL: $0)
        }
        let lagWatch = audit.map { audit in Task { await LagWatch.watch(audit) } }
        let started = ContinuousClock.now
        let stopSending = started + configuration.timeLimit
        let rate = configuration.rate
        let orderURL = configuration.orderURL
        let placed = await onClients(count: workload.count, of: orderURL, fallback: http) {
            ContinuousClock.now < stopSending
        } work: { connection, index in
            if let rate {
                try? await Task.sleep(until: started + .seconds(Double(index) / rate), clock: .continuous)
            }
            return await ShopperClient(http: connection, orderURL: orderURL).place(workload[index], body: bodies[index])
        }.sorted { $0.number < $1.number }
        let elapsed = ContinuousClock.now - started
        logger.info("load sent", metadata: ["orders": "\(placed.count)", "seconds": "\(elapsed)"])

        // Every order is read back, by as many clients as sent them: a burst of thousands of fresh
        // connections at once is a test of the machine's accept queue, not of the services.
        let followDeadline = ContinuousClock.now + configuration.followUp
        var records = await onClients(count: placed.count, of: orderURL, fallback: http) {
            true
        } work: { connection, index in
            await ShopperClient(http: connection, orderURL: orderURL).follow(placed[index], until: followDeadline)
        }.sorted { $0.number < $1.number }
        if case .everyNth = configuration.expected {
            records = await readDeductionOrdinals(of: records, http: http)
        }

        let products = try await http.send(.GET, configuration.inventoryURL + "/products").json(Contract.ProductList.self)
            .products
        let finalStock = Dictionary(
            uniqueKeysWithValues: products.filter { initialStock[$0.sku] != nil }.map { ($0.sku, $0.stock) })
        var shippedUnits: [String: Int] = [:]
        let linesByNumber = Dictionary(uniqueKeysWithValues: workload.map { ($0.number, $0.lines) })
        for record in records where record.finalState == "shipped" {
            for line in linesByNumber[record.number] ?? [] { shippedUnits[line.sku, default: 0] += line.quantity }
        }
        let latency = LatencyPercentiles(milliseconds: records.flatMap(\.attempts).map(\.milliseconds))
        var checks = LoadCheck.evaluate(
            records: records,
            initialStock: initialStock,
            finalStock: finalStock,
            shippedUnits: shippedUnits,
            expected: configuration.expected,
            answerBound: configuration.deadline + configuration.slack
        )
        var notifications: NotificationFigures?
        if let audit, let lagWatch {
            var figures = try await audit.settle(timeout: configuration.followUp)
            lagWatch.cancel()
            (figures.maxLagEvents, figures.maxLagSeconds) = await lagWatch.value
            checks.append(
                CheckResult(
                    name: "exactly one notification per order transition",
                    passed: figures.violations.isEmpty,
                    detail: figures.violations.isEmpty ? "ok" : figures.violations.joined(separator: "; ")))
            notifications = figures
        }
        return Result(
            records: records,
            latency: latency,
            seconds: elapsed.milliseconds / 1000,
            ordersPerSecond: Double(placed.count) / max(elapsed.milliseconds / 1000, 0.001),
            checks: checks,
            initialStock: initialStock,
            finalStock: finalStock,
            notifications: notifications
        )
    }

    /// Asks inventory for each acknowledged order's deduction record, for the ordinal of its key.
    private func readDeductionOrdinals(of records: [OrderRecord], http: LabHTTP) async -> [OrderRecord] {
        let inventoryURL = configuration.inventoryURL
        return await onClients(count: records.count, of: inventoryURL, fallback: http) {
            true
        } work: { connection, index in
            var record = records[index]
            guard let id = record.orderId else { return record }
            let reply = try? await connection.send(
                .GET, inventoryURL + "/deductions/\(id)", json: nil, headers: [], timeout: .seconds(5))
            if let reply, reply.status == 200 {
                record.deductionOrdinal = try? reply.json(DeductionOrdinal.self).ordinal
            }
            return record
        }.sorted { $0.number < $1.number }
    }

    private struct DeductionOrdinal: Decodable {
        var ordinal: Int64?
    }

    /// Runs `work` for every index below `count` on `configuration.concurrency` clients, each keeping its
    /// own connection to the service at `baseURL` as a shopper's app would (`fallback`'s pool if it cannot
    /// open one); a client takes the next index while `keepTaking` says so.
    private func onClients<R: Sendable>(
        count: Int,
        of baseURL: String,
        fallback: any HTTPSending,
        keepTaking: @escaping @Sendable () -> Bool,
        work: @escaping @Sendable (any HTTPSending, Int) async -> R
    ) async -> [R] {
        let next = SharedCounter()
        return await withTaskGroup(of: [R].self) { group in
            for _ in 0..<configuration.concurrency {
                group.addTask {
                    let connection = try? KeepAliveHTTPConnection(baseURL: baseURL)
                    let sender: any HTTPSending = connection ?? fallback
                    var mine: [R] = []
                    while keepTaking(), let index = next.take(below: count) {
                        mine.append(await work(sender, index))
                    }
                    await connection?.close()
                    return mine
                }
            }
            var all: [R] = []
            for await part in group { all += part }
            return all
        }
    }

    /// One or two lines an order over the load's own SKUs, from the seed.
    static func workload(seed: UInt64, orders: Int, skus: [String]) -> [OrderWorkload.PlannedOrder] {
        var random = SplitMix64(seed: seed)
        return (1...max(1, orders)).map { number in
            let picked = skus.shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random))
            return OrderWorkload.PlannedOrder(
                number: number,
                customerId: "load-\(seed)-\(number)",
                idempotencyKey: "load-\(seed)-\(number)",
                lines: picked.map { Contract.Line(sku: $0, quantity: Int.random(in: 1...3, using: &random)) }
            )
        }
    }
}
