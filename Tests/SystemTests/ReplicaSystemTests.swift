import Foundation
import Synchronization
import Testing
import WarehouseKit
import WarehouseLab
import WarehouseTestSupport

/// Two order and two inventory processes (`warehouse serve`, as containers run them) sharing one
/// PostgreSQL database: the guarantees one process keeps with SQLite's single writer hold across
/// replicas, because the database decides, not a process.
@Suite(
    "Replicas on one PostgreSQL database", .serialized, .timeLimit(.minutes(5)),
    .enabled(if: TestPostgres.isAvailable, "\(TestPostgres.unavailableReason ?? "")"))
struct ReplicaSystemTests {
    static let sku = "HOT-SKU"

    /// order-1 calls inventory-1 and order-2 calls inventory-2: every request of the test crosses
    /// replicas of both tiers at once.
    struct Topology {
        let orders: [ServiceProcess]
        let inventories: [ServiceProcess]
        let directory: URL
    }

    /// - Parameter inventoryArguments: more flags for both inventory processes (a chaos rule, say).
    static func withTopology<T>(inventoryArguments: [String] = [], _ body: (Topology) async throws -> T) async throws -> T {
        try await withTemporaryDirectory { directory in
            var server = try await TestPostgres.server()
            // Each service keeps its schema, as in production; a test run's are its own.
            let run = "r_" + UUIDText.random().replacingOccurrences(of: "-", with: "").prefix(12)
            func database(_ service: String) -> String {
                server.schema = "\(run)_\(service)"
                return server.text
            }
            let ports = try FreePorts.take(4)
            var started: [ServiceProcess] = []
            do {
                // One after the other: the first makes the admin token both read from the shared directory.
                for port in ports[2...] {
                    started.append(
                        try await serve(
                            "inventory", port: port, directory: directory, ["--database-url", database("inventory")] + inventoryArguments))
                }
                for (port, inventory) in zip(ports[..<2], started) {
                    started.append(
                        try await serve(
                            "order", port: port, directory: directory,
                            [
                                "--database-url", database("orders"), "--inventory-url", inventory.url,
                                // Limits no starved test machine reaches: every first answer here is definite.
                                "--attempt-timeout-ms", "20000", "--order-deadline-ms", "30000",
                            ]))
                }
                let value = try await body(Topology(orders: Array(started[2...]), inventories: Array(started[..<2]), directory: directory))
                for process in started { await process.stop() }
                return value
            } catch {
                for process in started {
                    Issue.record("\(process.url) log:\n\(process.log().suffix(2000))")
                    await process.stop()
                }
                throw error
            }
        }
    }

    @Test("a hot SKU hammered through both order replicas at once never oversells, and both inventory replicas agree")
    func hotSKUNeverOversells() async throws {
        try await Self.withTopology { topology in
            let stock = 25
            try await Self.putProduct(topology, stock: stock)
            // 80 shoppers, half through each order replica, all at once, for 25 units.
            let statuses = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<80 {
                    let order = topology.orders[index % 2]
                    group.addTask {
                        let reply = try await Self.placeOrder(order.url, key: nil)
                        // A definite answer: 201 shipped or 409 rejected, never 202 pending nor an error.
                        #expect([201, 409].contains(reply.status), "\(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
                        return (reply.status, try reply.json(OrderDTO.self).status)
                    }
                }
                return try await group.reduce(into: [String: Int]()) { counts, answer in counts[answer.1, default: 0] += 1 }
            }
            #expect(statuses == ["shipped": stock, "rejected": 80 - stock], "\(statuses)")
            for inventory in topology.inventories {
                let left = try await SystemLauncher.send(.GET, inventory.url + "/products/\(Self.sku)").json(ProductDTO.self).stock
                #expect(left == 0, "\(inventory.url) says \(left) left")
            }
            // Both order replicas list every order (one database), each settled once.
            for order in topology.orders {
                let listed = try await SystemLauncher.send(.GET, order.url + "/orders?limit=500").json(OrderList.self).orders
                #expect(listed.count == 80)
                #expect(listed.filter { $0.status == "shipped" }.count == stock)
            }
        }
    }

    @Test("one Idempotency-Key sent to both order replicas at once makes one order, and the feed has no gap")
    func oneKeyOneOrderAcrossReplicasAndAGapFreeFeed() async throws {
        try await Self.withTopology { topology in
            try await Self.putProduct(topology, stock: 1000)
            let keys = (0..<20).map { "key-\($0)-\(UUIDText.random())" }
            let answers = try await withThrowingTaskGroup(of: (String, Int, String, Bool).self) { group in
                for key in keys {
                    for order in topology.orders {
                        group.addTask {
                            let reply = try await Self.placeOrder(order.url, key: key)
                            let replayed = reply.headers["Idempotent-Replayed"].first == "true"
                            return (key, reply.status, try reply.json(OrderDTO.self).id, replayed)
                        }
                    }
                }
                return try await group.reduce(into: [String: [(Int, String, Bool)]]()) { $0[$1.0, default: []].append(($1.1, $1.2, $1.3)) }
            }
            for key in keys {
                let pair = try #require(answers[key])
                #expect(Set(pair.map(\.1)).count == 1, "\(key): two orders \(pair.map(\.1))")
                // Both say shipped; the one that did not make it says it is the documented replay.
                #expect(pair.allSatisfy { $0.0 == 201 }, "\(key): \(pair)")
                #expect(pair.filter(\.2).count == 1, "\(key): \(pair)")
            }
            let listed = try await SystemLauncher.send(.GET, topology.orders[0].url + "/orders?limit=500").json(OrderList.self).orders
            #expect(listed.count == keys.count)

            // Both replicas wrote events concurrently: the feed, read through either, is 1, 2, 3, … with
            // every order's placement and settlement, the same on both.
            var feeds: [[Int64]] = []
            for order in topology.orders {
                let page = try await SystemLauncher.send(
                    .GET, order.url + "/events?after=0&limit=500", headers: [("Authorization", "Bearer \(try Self.adminToken(topology))")]
                ).json(FeedPage.self)
                feeds.append(page.events.map(\.position))
                #expect(page.events.count == 2 * keys.count, "placed and shipped, once per order")
            }
            #expect(feeds[0] == Array(1...Int64(2 * keys.count)))
            #expect(feeds[0] == feeds[1])
        }
    }

    /// The gremlin's every-n-th rule counts deduction keys in the database both replicas share (each
    /// key's ordinal is where the database first saw it), so it strikes the same keys whichever replica
    /// serves them; a count per process would strike every 3rd key each replica saw: 5, 6, 11 and 12 here.
    @Test("the gremlin's every-3rd choice strikes the same keys whichever inventory replica serves them")
    func gremlinEveryNthAcrossReplicas() async throws {
        try await Self.withTopology(inventoryArguments: ["--gremlin-every", "3", "--gremlin-delay-ms", "1"]) { topology in
            try await Self.putProduct(topology, stock: 100)
            let token = try String(contentsOf: topology.directory.appendingPathComponent("service-token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            var delayed: [Int] = []
            // One key after the other, alternating replicas: ordinals 1, 2, 3, … in this order.
            for index in 1...12 {
                let inventory = topology.inventories[index % 2]
                let reply = try await SystemLauncher.send(
                    .PUT, inventory.url + "/deductions/gremlin-\(index)",
                    body: Data(#"{"items": [{"sku": "\#(Self.sku)", "quantity": 1}]}"#.utf8),
                    headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")])
                #expect(reply.status == 201, "\(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
                if reply.headers["X-Gremlin-Delay"].first != nil { delayed.append(index) }
            }
            #expect(delayed == [3, 6, 9, 12], "delayed: \(delayed)")
        }
    }

    @Test(
        "warehouse up --postgres --replicas order=2,inventory=2: HAProxy in front, a hot SKU never oversold, a killed replica replaced",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy"), "haproxy is not installed"))
    func upWithReplicasBehindHAProxy() async throws {
        // Limits no starved test machine reaches: every first answer here is definite.
        let patient = ["--attempt-timeout-ms", "20000", "--order-deadline-ms", "30000"]
        try await SystemLauncher.with(["--postgres", "--replicas", "order=2,inventory=2"] + patient) { system in
            for instance in ["order-1", "order-2", "inventory-1", "inventory-2", "order-balancer", "inventory-balancer"] {
                _ = try system.requirePID(of: instance)
            }
            #expect(try await system.putProduct(Self.sku, name: "Hot", stock: 30).status == 201)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<60 {
                    group.addTask { try await Self.placeOrder(system.orderURL, key: nil).status }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(statuses == [201: 30, 409: 30], "\(statuses)")
            #expect(try await system.stock(Self.sku) == 0)

            // The console's latency alert covers both order replicas, each asked at its own address
            // (through the balancer it would see one): the tier's count is theirs added.
            let tier = try await SystemLauncher.send(.GET, system.consoleURL + "/api/stats/latency").json(TierLatency.self)
            #expect(tier.instances.count == 2, "\(tier.instances)")
            #expect(!tier.instances.contains { $0.instance.hasPrefix(system.orderURL) || $0.error != nil }, "\(tier.instances)")
            #expect(!tier.partial)
            #expect(tier.count == tier.instances.compactMap(\.count).reduce(0, +))

            // One order replica killed: the balancer stops sending to it, the supervisor brings it back,
            // and orders placed meanwhile (retried with their key, as documented) are each made once.
            #expect(try await system.putProduct(Self.sku, name: "Hot", stock: 40).status == 200)
            try await system.killAndAwaitRestart("order-1")
            var made = Set<String>()
            for index in 0..<20 {
                let key = "after-kill-\(index)"
                var reply = try await Self.placeOrder(system.orderURL, key: key)
                for _ in 0..<50 where ![201, 202].contains(reply.status) {
                    try await Task.sleep(for: .milliseconds(100))
                    reply = try await Self.placeOrder(system.orderURL, key: key)
                }
                #expect(reply.status == 201, "\(reply.status)")
                made.insert(try reply.json(OrderDTO.self).id)
            }
            #expect(made.count == 20)
            #expect(try await system.stock(Self.sku) == 20)
        }
    }

    /// The console's `GET /api/stats/latency`, as far as these tests read it.
    struct TierLatency: Decodable {
        struct Instance: Decodable {
            let instance: String
            let count: Int?
            let error: String?
        }
        let count: Int
        let partial: Bool
        let instances: [Instance]
    }

    struct FeedPage: Decodable {
        struct Event: Decodable { let position: Int64 }
        let events: [Event]
    }

    private static func placeOrder(_ orderURL: String, key: String?) async throws -> LabHTTP.Reply {
        let body = Data(#"{"customerId": "c-hot", "items": [{"sku": "\#(sku)", "quantity": 1}]}"#.utf8)
        var headers = [("Content-Type", "application/json")]
        if let key { headers.append(("Idempotency-Key", key)) }
        return try await SystemLauncher.send(.POST, orderURL + "/orders", body: body, headers: headers)
    }

    /// The admin token the first process wrote into the shared data directory.
    private static func adminToken(_ topology: Topology) throws -> String {
        try String(contentsOf: topology.directory.appendingPathComponent("admin-token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func putProduct(_ topology: Topology, stock: Int) async throws {
        let token = try adminToken(topology)
        let reply = try await SystemLauncher.send(
            .PUT, topology.inventories[0].url + "/products/\(sku)", body: Data(#"{"name": "Hot", "stock": \#(stock)}"#.utf8),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")])
        #expect(reply.status == 201)
    }

    private static func serve(_ service: String, port: Int, directory: URL, _ arguments: [String]) async throws -> ServiceProcess {
        try await ServiceProcess.start(service, port: port, dataDirectory: directory, arguments: arguments) { url in
            (try? await SystemLauncher.send(.GET, url + "/health/ready"))?.status == 200
        }
    }
}
