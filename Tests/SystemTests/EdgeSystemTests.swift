import Foundation
import Synchronization
import Testing
import WarehouseKit
import WarehouseLab

/// Who can reach a service, and what a client can make it hold: the Host and Origin checks that keep a
/// hostile web page out (DNS rebinding, cross-site requests), and the connection limits that keep idle
/// and slow clients from taking it over. Real processes, raw sockets.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct EdgeSystemTests {
    /// Inventory may open 200 files. The attack holds 200 connections that say nothing, 20 that trickle
    /// their headers (slowloris) and 20 that trickle a body, and opens a new one whenever the service
    /// closes one: more than the files it has, for as long as the test runs. Without limits inventory
    /// accepts them until it runs out of descriptors and never answers anyone new; with them it holds
    /// at most --max-connections, closes each idle or slow one after its time limit, and a new client
    /// waiting in the listen queue gets its turn while the attack goes on.
    ///
    /// Nothing here is timed against the machine: the limits are seconds, the waits are minutes.
    @Test func aServiceKeepsAnsweringWhileIdleAndSlowClientsHoldItsConnections() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try FreePorts.take(1)[0]
        let maxConnections = 32
        let inventory = try await ServiceProcess.start(
            "inventory", port: port, dataDirectory: directory,
            // In the environment, as a container is configured (and as a build without these settings ignores them).
            environment: [
                "WAREHOUSE_MAX_CONNECTIONS": "\(maxConnections)", "WAREHOUSE_IDLE_TIMEOUT_MS": "2000",
                "WAREHOUSE_BODY_TIMEOUT_MS": "2000",
            ],
            openFileLimit: 200,
            isLive: { url in (try? await SystemLauncher.send(.GET, url + "/health/live").status) == 200 })
        defer { Task { await inventory.stop() } }
        let baseline = inventory.openFiles

        // 240 in all: more than inventory's 200 files, and fewer than its listen queue (256) and the cap
        // together, so a new client always finds room in the queue.
        let attackers = (0..<200).map { _ in Attacker(.idle, port: port) } + (0..<20).map { _ in Attacker(.slowHead, port: port) }
            + (0..<20).map { _ in Attacker(.slowBody, port: port) }
        let reopened = Atomic(0)
        let attack = Task {
            while !Task.isCancelled {
                for attacker in attackers where attacker.tick() { reopened.add(1, ordering: .relaxed) }
                try? await Task.sleep(for: .milliseconds(300))
            }
        }
        defer { attack.cancel() }
        let mostFiles = Mutex(0)
        let watch = Task {
            while !Task.isCancelled {
                let files = inventory.openFiles
                mostFiles.withLock { $0 = max($0, files) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { watch.cancel() }

        // A shopper's new connection is answered while the attackers keep theirs (and reopen what is closed).
        try await eventually("inventory answers a new client during the attack", timeout: .seconds(300), interval: .milliseconds(200)) {
            let status = await RawConnection.request(
                port: port, "GET /products HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n",
                timeout: .seconds(120))
            return status == "HTTP/1.1 200 OK"
        }
        // The service itself turned slots over: it closed idle and slow connections (each reopened at once).
        #expect(reopened.load(ordering: .relaxed) > 0)
        try await eventually("inventory closed a connection whose body did not arrive in time", timeout: .seconds(120)) {
            inventory.log().contains("request not received in time; connection closed")
        }
        let most = mostFiles.withLock { $0 }
        #expect(most <= baseline + maxConnections + 8, "inventory held \(most) files (\(baseline) before the attack)")
        attack.cancel()
        attackers.forEach { $0.close() }
    }

    /// A page on evil.example whose name was made to resolve to 127.0.0.1 sends `Host: evil.example`.
    @Test func everyServiceRefusesAHostItDoesNotAnswerFor() async throws {
        // The simulated backup vendor too: it stands behind the same edge as every service.
        try await SystemLauncher.with(["--backup-vendor"], environment: ["WAREHOUSE_ALLOWED_HOSTS": "warehouse.test,.corp.example"]) {
            system in
            for service in ServiceName.allCases {
                let url = system.url(of: service) + "/health/live"
                let refused = try await system.request(.GET, url, headers: [("Host", "evil.example")])
                #expect(refused.status == 421, "\(service) answered Host: evil.example with \(refused.status)")
                #expect(refused.headers["Content-Type"].first == "application/problem+json")
                for host in ["127.0.0.1:\(system.addresses.port(of: service))", "localhost", "warehouse.test:80", "a.corp.example", "[::1]:1", "inventory:8081"] {
                    let allowed = try await system.request(.GET, url, headers: [("Host", host)])
                    #expect(allowed.status == 200, "\(service) answered Host: \(host) with \(allowed.status)")
                }
            }
            // Nothing gets past it: not an order, not a read.
            let order = try await system.request(
                .POST, system.orderURL + "/orders", body: Data(#"{"customerId":"c-1","items":[{"sku":"CABLE-HDMI21","quantity":1}]}"#.utf8),
                headers: [("Content-Type", "application/json"), ("Host", "evil.example:8080")])
            #expect(order.status == 421)
            #expect(try await system.orders().isEmpty)
        }
    }

    /// A page elsewhere posting to the console (a form, or fetch without CORS): the console changes
    /// nothing for another origin. Its own page, and clients that are not browsers, go through.
    @Test func theConsoleTakesChangesOnlyFromItsOwnOrigin() async throws {
        try await SystemLauncher.with(environment: ["WAREHOUSE_ALLOWED_ORIGINS": "https://shop.example"]) { system in
            let body = Data(#"{"customerId":"c-origin","items":[{"sku":"CABLE-HDMI21","quantity":1}]}"#.utf8)
            let json = ("Content-Type", "application/json")
            let port = system.addresses.port(of: .console)
            for origin in ["http://evil.example", "null", "http://127.0.0.1:\(port + 1)", "https://shop.example.evil"] {
                let reply = try await system.request(.POST, system.consoleURL + "/api/orders", body: body, headers: [json, ("Origin", origin)])
                #expect(reply.status == 403, "POST from \(origin) answered \(reply.status)")
                #expect(reply.headers["Content-Type"].first == "application/problem+json")
                let chaos = try await system.request(
                    .PUT, system.consoleURL + "/api/admin/chaos", body: Data(#"{"gremlin":{"select":{"every":1}}}"#.utf8),
                    headers: [json, ("Origin", origin), ("Authorization", "Bearer \(try system.adminToken)")])
                #expect(chaos.status == 403, "PUT chaos from \(origin) answered \(chaos.status)")
            }
            #expect(try await system.orders().isEmpty)
            // Reads are not changes: a page elsewhere gets nothing it can read anyway (no CORS).
            #expect(try await system.request(.GET, system.consoleURL + "/api/products", headers: [("Origin", "http://evil.example")]).status == 200)

            for origin in ["http://127.0.0.1:\(port)", "https://shop.example"] {
                let reply = try await system.request(.POST, system.consoleURL + "/api/orders", body: body, headers: [json, ("Origin", origin)])
                #expect(reply.status == 201, "POST from \(origin) answered \(reply.status)")
            }
            #expect(try await system.request(.POST, system.consoleURL + "/api/orders", body: body, headers: [json]).status == 201)
            #expect(try await system.orders().count == 3)
        }
    }
}

/// One hostile client: it connects, then says nothing (`idle`), trickles a request's headers
/// (`slowHead`) or its body (`slowBody`), and connects again whenever the service closes it.
private final class Attacker: @unchecked Sendable {
    // Unchecked: only the attack task drives it.
    enum Kind { case idle, slowHead, slowBody }

    let kind: Kind
    let port: Int
    private var connection: RawConnection?
    private var sent = 0

    init(_ kind: Kind, port: Int) {
        self.kind = kind
        self.port = port
        self.connection = RawConnection.open(port: port)
    }

    /// Sends the next trickle; reconnects when the service closed the connection. Returns whether it did.
    func tick() -> Bool {
        if let connection, connection.closedByPeer {
            connection.close()
            self.connection = RawConnection.open(port: port)
            sent = 0
            return true
        }
        guard let connection else {
            self.connection = RawConnection.open(port: port)
            return false
        }
        let text: String
        switch kind {
        case .idle: return false
        case .slowHead: text = sent == 0 ? "GET /products HTTP/1.1\r\nHost: 127.0.0.1\r\n" : "X-\(sent): \(sent)\r\n"
        case .slowBody:
            text =
                sent == 0
                ? "PUT /products/SLOW HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
                : " "
        }
        if connection.send(text) { sent += 1 }
        return false
    }

    func close() {
        connection?.close()
        connection = nil
    }
}
