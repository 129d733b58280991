import Foundation

/// An order the client placed, with the moment its answer arrived.
package struct AcknowledgedOrder: Sendable {
    package var record: OrderRecord
    package var answeredAt: Date

    package init(record: OrderRecord, answeredAt: Date) {
        self.record = record
        self.answeredAt = answeredAt
    }
}

/// What a restored system holds, checked against what the clients were told before the restore point.
package struct RestoreCheckReport: Sendable, Codable {
    /// Orders acknowledged before the restore point was taken: each must be there.
    package var acknowledgedBefore = 0
    /// Orders acknowledged after it: not guaranteed to be there (the RPO); how many are missing.
    package var acknowledgedAfter = 0
    package var missingAfter = 0
    package var ordersRestored = 0
    package var shipped = 0
    package var rejected = 0
    package var stillPending = 0
    /// Every order transition of the restored order feed against the restored notification service's
    /// inbox, once it has caught up: exactly one notification each.
    package var notifications = NotificationFigures()
    /// Whether a webhook subscription made before the load came back with its URL and signing secret:
    /// state only the notification service's database holds (no feed can make it again).
    package var subscriptionKept: Bool?
    package var violations: [String] = []

    package var holds: Bool { violations.isEmpty }
}

/// Checks a system started on a restored data directory, over HTTP:
///
/// - every order acknowledged before the restore point is there, in the state its answer gave (a
///   pending one has since reached shipped or rejected, by the reconciler);
/// - per SKU, the stock left plus the units of shipped orders is the stock there was before the load;
/// - inventory's record of each order's deduction matches the order: applied with its lines when it
///   shipped, refused when it was rejected;
/// - the notification service, restored from a copy a moment older than order's, catches up with the
///   restored order feed: exactly one notification per transition in it, none for one it does not hold;
/// - a webhook subscription made before the load is there with its URL and its signing secret (its
///   receiver checks signatures with that secret).
package struct RestoreCheck {
    package let http: LabHTTP
    package let orderURL: String
    package let inventoryURL: String
    package let notificationURL: String

    /// The restored system's admin token (the subscription, the notification audit, the reads below).
    package let adminToken: String

    /// The admin's reads: a deduction's record (the services' or the admin's) and every customer's orders
    /// (the admin's under `--customer-listing admin`).
    private var authorization: [(String, String)] { [("Authorization", "Bearer \(adminToken)")] }

    package init(http: LabHTTP, orderURL: String, inventoryURL: String, notificationURL: String, adminToken: String) {
        self.http = http
        self.orderURL = orderURL
        self.inventoryURL = inventoryURL
        self.notificationURL = notificationURL
        self.adminToken = adminToken
    }

    /// Subscribes `customerId` to webhooks at `url` in a running system; returns the subscription, with the
    /// secret its receiver was given.
    package static func subscribe(
        _ customerId: String, url: String, notificationURL: String, adminToken: String, http: LabHTTP
    ) async throws -> WebhookSubscription {
        let reply = try await http.send(
            .PUT, notificationURL + "/subscriptions/\(customerId)", json: try JSONEncoder().encode(["url": url]),
            headers: [("Authorization", "Bearer \(adminToken)")])
        guard reply.status == 201 || reply.status == 200 else {
            throw LabError.unexpected("PUT /subscriptions/\(customerId) answered \(reply.status)")
        }
        return try reply.json(WebhookSubscription.self)
    }

    /// - Parameters:
    ///   - cut: when the restore point began; orders answered before it must be there.
    ///   - initialStock: the stock of each SKU before the load.
    ///   - subscription: a webhook subscription made before the restore point, to be found as it was.
    package func run(
        orders: [AcknowledgedOrder], cut: Date, initialStock: [String: Int], subscription: WebhookSubscription? = nil,
        settleTimeout: Duration = .seconds(60)
    ) async throws -> RestoreCheckReport {
        var report = RestoreCheckReport()
        let restored = try await settledOrders(timeout: settleTimeout)
        let byID = Dictionary(restored.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        report.ordersRestored = restored.count
        report.shipped = restored.filter { $0.status == "shipped" }.count
        report.rejected = restored.filter { $0.status == "rejected" }.count
        report.stillPending = restored.filter { $0.status == "pending" }.count
        if report.stillPending > 0 {
            report.violations.append(
                "\(report.stillPending) orders still pending \(Int(settleTimeout.seconds)) s after the restored system started"
            )
        }

        for order in orders {
            guard let id = order.record.orderId, let answered = order.record.firstAnswer else { continue }
            guard order.answeredAt < cut else {
                report.acknowledgedAfter += 1
                if byID[id] == nil { report.missingAfter += 1 }
                continue
            }
            report.acknowledgedBefore += 1
            guard let found = byID[id] else {
                report.violations.append("order \(id) was acknowledged (\(answered)) before the restore point and is missing")
                continue
            }
            if answered != "pending" && found.status != answered {
                report.violations.append("order \(id) was acknowledged \(answered) and came back \(found.status)")
            }
        }

        var shippedUnits: [String: Int] = [:]
        for order in restored where order.status == "shipped" {
            for line in order.items { shippedUnits[line.sku, default: 0] += line.quantity }
        }
        let stock = try await http.send(.GET, inventoryURL + "/products", json: nil, headers: [], timeout: .seconds(10))
            .json(Contract.ProductList.self).products
        let stockBySKU = Dictionary(stock.map { ($0.sku, $0.stock) }, uniquingKeysWith: { first, _ in first })
        for (sku, initial) in initialStock.sorted(by: { $0.key < $1.key }) {
            let left = stockBySKU[sku] ?? 0
            let shipped = shippedUnits[sku, default: 0]
            if left + shipped != initial {
                report.violations.append(
                    "\(sku): \(left) in stock + \(shipped) shipped = \(left + shipped), not the \(initial) there were")
            }
        }

        for order in restored where order.status != "pending" {
            let reply = try await http.send(
                .GET, inventoryURL + "/deductions/\(order.id)", json: nil, headers: authorization, timeout: .seconds(10))
            guard reply.status == 200, let deduction = try? reply.json(DeductionState.self) else {
                report.violations.append(
                    "order \(order.id) is \(order.status) but inventory has no record of its deduction (\(reply.status))")
                continue
            }
            let expected = order.status == "shipped" ? "applied" : "rejected"
            let sameLines = Self.normalized(deduction.items) == Self.normalized(order.items)
            if deduction.outcome != expected || !sameLines {
                report.violations.append(
                    "order \(order.id) is \(order.status) but inventory recorded \(deduction.outcome)\(sameLines ? "" : " for other lines")"
                )
            }
        }

        report.notifications = try await NotificationAudit(http: http, orderURL: orderURL, notificationURL: notificationURL, adminToken: adminToken)
            .settle(timeout: settleTimeout, orders: restored)
        report.violations += report.notifications.violations.map { "notifications: \($0)" }

        if let subscription {
            let reply = try await http.send(
                .GET, notificationURL + "/subscriptions/\(subscription.customerId)", json: nil,
                headers: [("Authorization", "Bearer \(adminToken)")], timeout: .seconds(10))
            let found = reply.status == 200 ? try? reply.json(WebhookSubscription.self) : nil
            report.subscriptionKept = found == subscription
            if found != subscription {
                report.violations.append(
                    "the webhook subscription of \(subscription.customerId) did not come back as it was (\(reply.status)"
                        + (found == nil ? ")" : ", another URL or secret)"))
            }
        }
        return report
    }

    /// Every order, once none is pending (or `timeout` has passed).
    private func settledOrders(timeout: Duration) async throws -> [Contract.Order] {
        let giveUp = ContinuousClock.now + timeout
        while true {
            let orders = try await allOrders()
            if !orders.contains(where: { $0.status == "pending" }) || ContinuousClock.now >= giveUp { return orders }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    private func allOrders() async throws -> [Contract.Order] {
        var orders: [Contract.Order] = []
        while true {
            let page = try await http.send(
                .GET, orderURL + "/orders?limit=500&offset=\(orders.count)", json: nil, headers: authorization, timeout: .seconds(10)
            ).json(Contract.OrderList.self).orders
            orders += page
            if page.count < 500 { return orders }
        }
    }

    private static func normalized(_ lines: [Contract.Line]) -> [String: Int] {
        lines.reduce(into: [:]) { $0[$1.sku, default: 0] += $1.quantity }
    }

    private struct DeductionState: Decodable {
        var outcome: String
        var items: [Contract.Line]
    }
}

/// A webhook subscription as the notification service shows it to an admin.
package struct WebhookSubscription: Codable, Sendable, Equatable {
    package var customerId: String
    package var url: String
    package var secret: String
}
