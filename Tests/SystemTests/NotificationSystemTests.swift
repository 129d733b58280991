import Foundation
import Synchronization
import Testing
import WarehouseKit
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// The notification service on real processes: it is never on the order's critical path, and every
/// order transition gets exactly one notification whatever is killed, stopped or slow.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct NotificationSystemTests {

    func audit(_ system: SystemLauncher) -> NotificationAudit {
        NotificationAudit(
            http: SystemLauncher.testHTTP, orderURL: system.orderURL, notificationURL: system.notificationURL,
            adminToken: (try? system.adminToken) ?? "")
    }

    @Test func withNotificationStoppedOrdersShipAsBeforeAndItsBacklogDrainsAfter() async throws {
        try await SystemLauncher.with { system in
            let notification = try await system.suspend("notification")
            var resumed = false
            defer { if !resumed { kill(notification, SIGCONT) } }

            var answeredPending = 0
            for index in 0..<30 {
                let reply = try await system.placeOrder(customer: "c-\(index % 3)", [("CABLE-HDMI21", 1)])
                // 202 (pending) when a starved machine keeps inventory past the deadline; either way the
                // order must ship below, while notification is still stopped.
                #expect([201, 202].contains(reply.status), "order \(index) answered \(reply.status) while notification was stopped")
                if reply.status == 202 { answeredPending += 1 }
            }
            try await eventually("every order shipped while notification is stopped", timeout: .seconds(60)) {
                (try? await system.orders(status: "shipped").count) == 30
            }
            let order = try await system.health(system.orderURL + "/health")
            #expect(order.status == 200 && order.report.status == "pass", "order's health depends on notification")
            #expect(order.report.checks.keys.allSatisfy { !$0.hasPrefix("notification") })

            kill(notification, SIGCONT)
            resumed = true
            let figures = try await audit(system).settle(timeout: .seconds(60))
            // Shipped, and delayed for each order answered pending.
            #expect(figures.transitions == 30 + answeredPending)
            #expect(figures.violations.isEmpty, "\(figures.violations)")

            // Killed outright, it is restarted, and orders placed meanwhile are not held up either.
            try await system.killAndAwaitRestart("notification")
            #expect(try await system.placeOrder([("CABLE-HDMI21", 1)]).status == 201)
            #expect(try await audit(system).settle(timeout: .seconds(60)).violations.isEmpty)
        }
    }

    /// 80 orders from 8 clients while notification and then order are killed with SIGKILL, every 10th
    /// deduction delayed past the deadline (so some orders are delayed, then ship), a scarce SKU (so some
    /// are rejected), and a webhook receiver that answers 500 to its first requests and hangs on others.
    @Test func exactlyOneNotificationPerTransitionAcrossKillsAndABadReceiver() async throws {
        try await SystemLauncher.with([
            "--gremlin-every", "10", "--gremlin-delay-ms", "2500", "--webhook-timeout-ms", "1000",
        ]) { system in
            let receiverPort = try FreePorts.take(1)[0]
            let subscription = try await system.request(
                .PUT, system.notificationURL + "/subscriptions/c-hook",
                body: Data(#"{"url":"http://127.0.0.1:\#(receiverPort)/hook"}"#.utf8),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(try system.adminToken)")])
            #expect(subscription.status == 201)
            let secret = try #require(
                (try JSONSerialization.jsonObject(with: subscription.body) as? [String: Any])?["secret"] as? String)
            let receiverLog = system.dataDirectory.appendingPathComponent("receiver.jsonl")
            let receiver = try PythonReceiver.start(
                port: receiverPort, secret: secret, log: receiverLog,
                options: ["--fail-first", "3", "--hang-first", "2", "--hang-s", "3"])
            defer { receiver.stop() }

            let placed = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        for index in stride(from: client, to: 80, by: 8) {
                            let sku = index % 4 == 0 ? "HEADSET-PULSE" : "GAME-ZELDA"
                            let customer = index % 2 == 0 ? "c-hook" : "c-\(index % 5)"
                            try await placeUntilAnswered(system, customer: customer, sku: sku, key: "exactly-once-\(index)")
                            placed.increment()
                        }
                    }
                }
                group.addTask {
                    try await eventually("20 orders placed", timeout: .seconds(120)) { placed.value >= 20 }
                    kill(try system.requirePID(of: "notification"), SIGKILL)
                    try await eventually("40 orders placed", timeout: .seconds(120)) { placed.value >= 40 }
                    try await system.killAndAwaitRestart("order")
                }
                try await group.waitForAll()
            }

            try await eventually("every order final", timeout: .seconds(90)) {
                (try? await system.orders(status: "pending").isEmpty) ?? false
            }
            let orders = try await system.orders()
            #expect(orders.count == 80)
            let contractOrders = orders.map {
                Contract.Order(id: $0.id, customerId: $0.customerId, items: [], status: $0.status, message: $0.message, reason: $0.reason)
            }
            let figures = try await audit(system).settle(timeout: .seconds(90), orders: contractOrders)
            #expect(figures.violations.isEmpty, "\(figures.violations)")
            #expect(figures.transitions >= 80)
            #expect(orders.contains { $0.status == "rejected" }, "the scarce SKU ran out")

            // Every notification of the subscribed customer is delivered, signed so that a receiver in
            // another language verifies it with the secret alone; retries keep their webhook-id.
            try await eventually("every webhook delivered", timeout: .seconds(120)) {
                let pending = try? await system.request(
                    .GET, system.notificationURL + "/deliveries?customerId=c-hook&status=pending&limit=500",
                    headers: [("Authorization", "Bearer \(try system.adminToken)")])
                return (try? pending?.json(DeliveryList.self).deliveries.isEmpty) ?? false
            }
            let deliveries = try await system.request(
                .GET, system.notificationURL + "/deliveries?customerId=c-hook&limit=500",
                headers: [("Authorization", "Bearer \(try system.adminToken)")]
            ).json(DeliveryList.self).deliveries
            let hookNotifications = try await system.request(
                .GET, system.notificationURL + "/notifications?customerId=c-hook&limit=500"
            ).json(NotificationList.self).notifications
            #expect(deliveries.count == hookNotifications.count)
            #expect(deliveries.allSatisfy { $0.status == "delivered" })
            #expect(deliveries.contains { $0.attempts.count > 1 }, "no delivery was retried")
            let lines = try receiver.lines()
            #expect(lines.allSatisfy { $0.verified }, "a signature did not verify")
            let delivered = Set(lines.filter { $0.status == 204 }.map(\.id))
            #expect(delivered == Set(deliveries.map(\.id)))
            #expect(Set(hookNotifications.map(\.orderId)).isSubset(of: Set(lines.compactMap(\.orderId))))
        }
    }

    @Test func badInputToEveryNewEndpointGetsAProblemAndChangesNothing() async throws {
        try await SystemLauncher.with { system in
            #expect(try await system.placeOrder([("CABLE-HDMI21", 1)]).status == 201)
            let token = try system.adminToken
            let json = ("Content-Type", "application/json")
            let admin = ("Authorization", "Bearer \(token)")
            let service = ("Authorization", "Bearer \(try system.serviceToken)")
            let cases: [(String, String, Data?, [(String, String)], Int)] = [
                ("GET", system.orderURL + "/events?after=0", nil, [], 401),
                ("GET", system.orderURL + "/events?after=-1", nil, [service], 400),
                ("GET", system.orderURL + "/events?limit=501", nil, [service], 400),
                ("GET", system.orderURL + "/events?waitMs=30001", nil, [service], 400),
                ("GET", system.orderURL + "/events?after=999999", nil, [admin], 409),
                ("GET", system.inventoryURL + "/events?after=abc", nil, [service], 400),
                ("GET", system.inventoryURL + "/events?limit=0", nil, [service], 400),
                ("GET", system.notificationURL + "/notifications?after=x", nil, [], 400),
                ("GET", system.notificationURL + "/notifications?limit=1000", nil, [], 400),
                ("GET", system.notificationURL + "/notifications?customerId=", nil, [], 400),
                ("PUT", system.notificationURL + "/subscriptions/c-1", Data(#"{"url":"http://a.example"}"#.utf8), [json], 401),
                ("PUT", system.notificationURL + "/subscriptions/c-1", Data(#"{"url":"#.utf8), [json, admin], 400),
                ("PUT", system.notificationURL + "/subscriptions/c-1", Data(#"{"url":"http://a.example"}"#.utf8), [admin], 415),
                ("PUT", system.notificationURL + "/subscriptions/c-1", Data(#"{"url":"file:///etc/passwd"}"#.utf8), [json, admin], 422),
                ("PUT", system.notificationURL + "/subscriptions/c-1", Data(#"{}"#.utf8), [json, admin], 422),
                (
                    "PUT", system.notificationURL + "/subscriptions/c-1",
                    Data(#"{"url":"http://a.example","x":"\#(String(repeating: "x", count: 70_000))"}"#.utf8), [json, admin],
                    413
                ),
                ("GET", system.notificationURL + "/subscriptions/c-1", nil, [], 401),
                ("GET", system.notificationURL + "/subscriptions/c-1", nil, [admin], 404),
                ("GET", system.notificationURL + "/deliveries", nil, [], 401),
                ("GET", system.notificationURL + "/deliveries?status=lost", nil, [admin], 400),
                ("DELETE", system.notificationURL + "/subscriptions/c-1", nil, [admin], 405),
                ("POST", system.orderURL + "/events", nil, [], 405),
            ]
            let feedBefore = try await system.request(.GET, system.orderURL + "/events?after=0", headers: [service]).body
            for (method, url, body, headers, status) in cases {
                let reply = try await system.request(.init(rawValue: method), url, body: body, headers: headers)
                #expect(reply.status == status, "\(method) \(url.suffix(60)) answered \(reply.status)")
                #expect(reply.headers["Content-Type"].first == "application/problem+json", "\(method) \(url.suffix(60))")
                #expect(!String(decoding: reply.body, as: UTF8.self).contains("GRDB"), "internals leaked")
            }
            #expect(try await system.request(.GET, system.notificationURL + "/subscriptions/c-1", headers: [admin]).status == 404)
            #expect(try await system.request(.GET, system.orderURL + "/events?after=0", headers: [service]).body == feedBefore)
        }
    }

    @Test func eventsTailPrintsEachEventAsItArrives() async throws {
        try await SystemLauncher.with { system in
            let printed = system.dataDirectory.appendingPathComponent("tail.out")
            let tail = try SpawnedProcess(
                executable: try SystemLauncher.binary(),
                arguments: [
                    "events", "tail", "--from", system.orderURL, "--after", "0", "--count", "2", "--data-dir",
                    system.dataDirectory.path,
                ],
                output: .file(printed), error: .inherit)
            let reply = try await system.placeOrder([("CABLE-HDMI21", 1)])
            let id = try reply.json(OrderDTO.self).id
            let exit = await tail.waitForExit(timeout: .seconds(60))
            #expect(exit == .exited(0), "tail printed two events and exited: \(String(describing: exit))")
            if exit == nil { await tail.terminate() }
            let lines = ((try? String(contentsOf: printed, encoding: .utf8)) ?? "").split(separator: "\n")
            let events = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            #expect(events.map { $0["type"] as? String } == ["com.valerix.order.placed", "com.valerix.order.shipped"])
            #expect(events.allSatisfy { $0["subject"] as? String == id && $0["specversion"] as? String == "1.0" })
            #expect(events.map { $0["position"] as? Int } == [1, 2])
        }
    }

    /// Places one order, sending it again with its key after an error without a definite answer (a 5xx,
    /// a broken connection while order was killed), as a real client would.
    func placeUntilAnswered(_ system: SystemLauncher, customer: String, sku: String, key: String) async throws {
        let giveUp = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < giveUp {
            if let reply = try? await system.placeOrder(customer: customer, [(sku, 1)], idempotencyKey: key),
                [201, 202, 409].contains(reply.status), (try? reply.json(OrderDTO.self)) != nil
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LabError.timedOut("order \(key) answered")
    }
}

struct DeliveryList: Decodable {
    struct Delivery: Decodable {
        struct Attempt: Decodable {
            var outcome: String
            var statusCode: Int?
        }
        var id: String
        var status: String
        var attempts: [Attempt]
    }
    var deliveries: [Delivery]
}

struct NotificationList: Decodable {
    struct Item: Decodable {
        var orderId: String
        var kind: String
    }
    var notifications: [Item]
}

/// A count several tasks add to.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// `Tests/webhook/receiver.py`, run as its own process: a customer's webhook receiver written in
/// Python, verifying every signature with the secret alone.
struct PythonReceiver {
    struct Line: Decodable {
        var id: String
        var verified: Bool
        var status: Int
        var orderId: String?
        var kind: String?
    }

    let process: SpawnedProcess
    let log: URL

    static func start(port: Int, secret: String, log: URL, options: [String]) throws -> PythonReceiver {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("webhook/receiver.py")
        let process = try SpawnedProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", script.path, "\(port)", secret, log.path] + options)
        return PythonReceiver(process: process, log: log)
    }

    func lines() throws -> [Line] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    /// SIGKILL, from a `defer`; the process's own thread reaps it.
    func stop() {
        process.send(SIGKILL)
    }
}
