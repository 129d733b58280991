import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import WarehouseLab
import WarehouseTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Stopping and replacing the order service the way an orchestrator does (Kubernetes, Compose, a
/// rolling update): SIGTERM under load, `warehouse serve` run as a container runs it.
///
/// A request can fail without an answer only before the server has read it (its connection refused,
/// or closed as the server stops): the documented remedy is the same request again with the same
/// `Idempotency-Key`. Whether a failed request had in fact been processed is told by that retry:
/// an `Idempotent-Replayed: true` answer means the server took the order and its answer was lost,
/// which must never happen.
@Suite("Graceful shutdown and rolling replacement", .serialized)
struct GracefulShutdownSystemTests {
    /// A client that opens a new connection for every request, so that no failure comes from reusing an
    /// idle connection the server had closed a moment before; that reports a refused connection at once
    /// instead of trying again; and that has room for every shopper and the test's own requests at once.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.maximumUsesPerConnection = 1
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    static let sku = "ROLLING-STOCK"
    static let drainDelay = Duration.seconds(5)

    @Test("SIGTERM under load: readiness fails first, in-flight orders finish, new connections are refused, exit 0")
    func sigtermUnderLoad() async throws {
        try await withTemporaryDirectory { directory in
            let ports = try FreePorts.take(2)
            let inventory = try await Self.serve("inventory", port: ports[1], dataDirectory: directory)
            defer { Task { await inventory.stop() } }
            try await Self.stock(inventory.url, directory: directory)
            let order = try await Self.serve(
                "order", port: ports[0], dataDirectory: directory,
                arguments: Self.patientOrder(inventory.url) + ["--shutdown-delay-ms", "\(Self.drainDelay.components.seconds * 1000)"])
            let load = OrderLoad(url: order.url, client: Self.http, retry: false)
            let clients = Task { await load.run(clients: 8) }
            try await eventually("orders ship under load", timeout: .seconds(60)) { load.outcomes().shipped >= 16 }
            // From now on inventory holds every deduction back 10 s: whatever is in flight when the
            // server stops accepting stays in flight for seconds, long enough to watch.
            try await Self.chaos(inventory.url, directory: directory, #"{"gremlin": {"select": {"every": 1}, "delayMs": 10000}}"#)

            let signalled = ContinuousClock.now
            order.signal(SIGTERM)
            // Readiness fails first: answered 503 with the reason, by a server that still takes
            // connections, while the process is alive and still takes orders.
            try await eventually("/health/ready fails after SIGTERM", timeout: .seconds(30)) {
                try await Self.get(order.url + "/health/ready").status == 503
            }
            let ready = try await Self.get(order.url + "/health/ready")
            #expect(String(decoding: ready.body, as: UTF8.self).contains("order is shutting down"))
            #expect(try await Self.get(order.url + "/health/live").status == 200)
            let duringDrain = Task { try await Self.placeOne(order.url, key: "placed-during-drain") }

            // Then new connections are refused while the orders in flight (held 10 s) are still being
            // finished by the live process.
            try await eventually("new connections are refused", timeout: .seconds(30)) {
                (try? await Self.get(order.url + "/health/live")) == nil
            }
            #expect(order.isRunning, "the process exited before the orders in flight could finish")
            let status = try await order.waitForExit(timeout: .seconds(60))
            let exited = ContinuousClock.now
            load.stop()
            await clients.value

            #expect(status == 0, "order exited with \(status); its log:\n\(order.log().suffix(3000))")
            #expect(exited - signalled >= Self.drainDelay, "the server stopped before its drain delay was over")
            #expect(try await duringDrain.value.status == 201, "an order placed during the drain delay was not taken")
            let outcomes = load.outcomes()
            #expect(outcomes.otherStatuses.isEmpty, "answers other than 201 and 202: \(outcomes.otherStatuses.prefix(5))")

            // Every order acknowledged is stored and ships; no request that failed had been taken.
            try await Self.chaos(inventory.url, directory: directory, "{}")
            let restarted = try await Self.serve(
                "order", port: ports[0], dataDirectory: directory, arguments: Self.patientOrder(inventory.url))
            defer { Task { await restarted.stop() } }
            try await Self.expectShipped(outcomes.acknowledged, at: restarted.url)
            for key in outcomes.unanswered {
                let retry = try await Self.placeOne(restarted.url, key: key)
                #expect(retry.status == 201)
                #expect(retry.replayed == false, "order \(key) was taken but its answer was lost")
            }
        }
    }

    @Test("a rolling replacement of order under load loses no acknowledged order and no answer")
    func rollingReplacement() async throws {
        try await withTemporaryDirectory { directory in
            let ports = try FreePorts.take(2)
            let inventory = try await Self.serve("inventory", port: ports[1], dataDirectory: directory)
            defer { Task { await inventory.stop() } }
            try await Self.stock(inventory.url, directory: directory)
            let old = try await Self.serve(
                "order", port: ports[0], dataDirectory: directory,
                arguments: Self.patientOrder(inventory.url) + ["--shutdown-delay-ms", "1000"])
            // Clients that do what the README tells them: after a failure without an answer, the same
            // order again with the same Idempotency-Key.
            let load = OrderLoad(url: old.url, client: Self.http, retry: true)
            let clients = Task { await load.run(clients: 8) }
            try await eventually("orders ship under load", timeout: .seconds(60)) { load.outcomes().shipped >= 50 }

            // The old process stops as a pod does; the new one starts on its port and data, one SQLite
            // writer at a time, as the embedded overlay's Recreate strategy replaces it.
            old.signal(SIGTERM)
            let status = try await old.waitForExit(timeout: .seconds(60))
            #expect(status == 0, "the old order process exited with \(status)")
            // Nobody listens now: the clients meet the gap before the new process starts. Awaited, not
            // assumed: on a starved machine the clients may not have tried within the old process's exit.
            try await eventually("a client is refused between the two processes", timeout: .seconds(60)) {
                load.outcomes().refused > 0
            }
            let new = try await Self.serve(
                "order", port: ports[0], dataDirectory: directory, arguments: Self.patientOrder(inventory.url))
            defer { Task { await new.stop() } }
            let shippedByOld = load.outcomes().shipped
            try await eventually("the new process ships orders", timeout: .seconds(60)) {
                load.outcomes().shipped >= shippedByOld + 50
            }
            load.stop()
            await clients.value

            let outcomes = load.outcomes()
            #expect(outcomes.otherStatuses.isEmpty, "answers other than 201 and 202: \(outcomes.otherStatuses.prefix(5))")
            #expect(outcomes.lostAnswers.isEmpty, "taken, but the answer was lost: \(outcomes.lostAnswers.prefix(5))")
            try await Self.expectShipped(outcomes.acknowledged, at: new.url)
            // One order per key, whatever the retries: the ids are distinct and nothing else is stored.
            #expect(Set(outcomes.acknowledged).count == outcomes.acknowledged.count)
            let stock = try JSONDecoder().decode(Product.self, from: try await Self.get(inventory.url + "/products/\(Self.sku)").body)
            #expect(stock.stock == 1_000_000 - outcomes.acknowledged.count)
        }
    }

    // MARK: Helpers

    /// `warehouse serve <service>` on `port`, once it answers `/health/live`.
    private static func serve(_ service: String, port: Int, dataDirectory: URL, arguments: [String] = []) async throws
        -> ServiceProcess
    {
        try await ServiceProcess.start(service, port: port, dataDirectory: dataDirectory, arguments: arguments) { url in
            (try? await get(url + "/health/live"))?.status == 200
        }
    }

    /// Order's arguments, with time limits no starved test machine reaches: every order here ships in
    /// its first answer unless the test holds it back on purpose.
    private static func patientOrder(_ inventoryURL: String) -> [String] {
        ["--inventory-url", inventoryURL, "--attempt-timeout-ms", "20000", "--order-deadline-ms", "30000"]
    }

    private static func adminToken(_ directory: URL) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("admin-token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Replaces inventory's chaos settings.
    private static func chaos(_ inventoryURL: String, directory: URL, _ settings: String) async throws {
        var request = HTTPClientRequest(url: inventoryURL + "/admin/chaos")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(try adminToken(directory))")
        request.body = .bytes(ByteBuffer(string: settings))
        let response = try await http.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
    }

    /// A product with stock enough for every order of a test.
    private static func stock(_ inventoryURL: String, directory: URL) async throws {
        let token = try adminToken(directory)
        var request = HTTPClientRequest(url: inventoryURL + "/products/\(sku)")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(string: #"{"name": "Rolling stock", "stock": 1000000}"#))
        let response = try await http.execute(request, timeout: .seconds(30))
        #expect(response.status == .created)
    }

    private static func get(_ url: String) async throws -> (status: Int, body: Data) {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 4 * 1024 * 1024)
        return (Int(response.status.code), Data(body.readableBytesView))
    }

    private static func placeOne(_ orderURL: String, key: String) async throws -> (status: Int, replayed: Bool) {
        let response = try await http.execute(OrderLoad.request(orderURL, key: key), timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1024 * 1024)
        return (Int(response.status.code), response.headers["Idempotent-Replayed"].first == "true")
    }

    /// Every acknowledged order is stored and ships (a pending one once the reconciler has finished it).
    private static func expectShipped(_ ids: [String], at url: String) async throws {
        #expect(!ids.isEmpty)
        for id in ids {
            let reply = try await get(url + "/orders/\(id)")
            #expect(reply.status == 200, "acknowledged order \(id) is lost")
            guard reply.status == 200 else { continue }
            try await eventually("order \(id) ships", timeout: .seconds(60)) {
                try JSONDecoder().decode(OrderSummary.self, from: try await get(url + "/orders/\(id)").body).status == "shipped"
            }
        }
    }
}

private struct OrderSummary: Decodable {
    var id: String
    var status: String
}

private struct Product: Decodable {
    var stock: Int
}

/// Closed-loop shoppers placing one-line orders, each with its own `Idempotency-Key`, until stopped.
/// Every answer and every failure is counted.
private final class OrderLoad: Sendable {
    struct Outcomes {
        var shipped = 0
        /// Ids of the orders answered 201 (shipped) or 202 (pending: stored, finished later).
        var acknowledged: [String] = []
        /// Answers other than 201 and 202 (status and body).
        var otherStatuses: [String] = []
        /// Tries whose connection was refused: nobody listening.
        var refused = 0
        /// Keys given up without an answer (only when not retrying).
        var unanswered: [String] = []
        /// Keys whose retry was answered as a replay: an earlier try had been taken, its answer lost.
        var lostAnswers: [String] = []
    }

    let url: String
    let client: HTTPClient
    /// Whether a try that failed without an answer is repeated with the same key (up to 60 s).
    let retry: Bool
    private let state = Mutex(Outcomes())
    private let stopped = Atomic(false)

    init(url: String, client: HTTPClient, retry: Bool) {
        self.url = url
        self.client = client
        self.retry = retry
    }

    func outcomes() -> Outcomes { state.withLock { $0 } }

    func stop() { stopped.store(true, ordering: .relaxed) }

    func run(clients: Int) async {
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask { await self.shop(client) }
            }
        }
    }

    static func request(_ orderURL: String, key: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: orderURL + "/orders")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: key)
        request.body = .bytes(
            ByteBuffer(string: #"{"customerId": "c-rolling", "items": [{"sku": "ROLLING-STOCK", "quantity": 1}]}"#))
        return request
    }

    private func shop(_ client: Int) async {
        var number = 0
        while !stopped.load(ordering: .relaxed) {
            number += 1
            let key = "rolling-\(client)-\(number)"
            var failedBefore = false
            for _ in 0..<1200 {
                if await place(key: key, failedBefore: failedBefore) { break }
                failedBefore = true
                guard retry else {
                    state.withLock { $0.unanswered.append(key) }
                    try? await Task.sleep(for: .milliseconds(50))
                    break
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// One try; true when it was answered.
    private func place(key: String, failedBefore: Bool) async -> Bool {
        do {
            let response = try await client.execute(Self.request(url, key: key), timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1024 * 1024)
            let replayed = response.headers["Idempotent-Replayed"].first == "true"
            state.withLock { outcomes in
                let id = try? JSONDecoder().decode(OrderSummary.self, from: Data(body.readableBytesView)).id
                if [201, 202].contains(response.status.code), let id {
                    if response.status.code == 201 { outcomes.shipped += 1 }
                    outcomes.acknowledged.append(id)
                } else {
                    outcomes.otherStatuses.append("\(response.status.code) \(String(buffer: body).prefix(300))")
                }
                if failedBefore && replayed { outcomes.lostAnswers.append(key) }
            }
            return true
        } catch {
            if String(describing: error).localizedCaseInsensitiveContains("connection refused") {
                state.withLock { $0.refused += 1 }
            }
            return false
        }
    }
}
