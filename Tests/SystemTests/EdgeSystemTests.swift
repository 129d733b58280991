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
    /// Inventory may open 200 files. The attack opens 300 connections that say nothing, 20 that trickle
    /// their headers (slowloris) and 20 that trickle a body: more than the files it has. Without limits
    /// it accepts them all, runs out of descriptors and answers nobody new for as long as they stay;
    /// with them it holds at most --max-connections, closes each idle or slow one after its time
    /// limit, and answers a new client while the attack goes on.
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
                "WAREHOUSE_MAX_CONNECTIONS": "\(maxConnections)", "WAREHOUSE_IDLE_TIMEOUT_MS": "1500",
                "WAREHOUSE_BODY_TIMEOUT_MS": "1500",
            ],
            openFileLimit: 200,
            isLive: { url in (try? await SystemLauncher.send(.GET, url + "/health/live").status) == 200 })
        defer { Task { await inventory.stop() } }
        let baseline = inventory.openFiles

        let idle = (0..<300).compactMap { _ in RawConnection.open(port: port) }
        let heads = (0..<20).compactMap { _ in RawConnection.open(port: port) }
        let bodies = (0..<20).compactMap { _ in RawConnection.open(port: port) }
        #expect(idle.count + heads.count + bodies.count == 340)
        let attack = Task {
            var tick = 0
            while !Task.isCancelled {
                for connection in heads {
                    connection.send(tick == 0 ? "GET /products HTTP/1.1\r\nHost: 127.0.0.1\r\n" : "X-\(tick): \(tick)\r\n")
                }
                for connection in bodies {
                    connection.send(
                        tick == 0
                            ? "PUT /products/SLOW HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
                            : " ")
                }
                tick += 1
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

        // A shopper's new connection is answered while the attackers still hold theirs.
        try await eventually("inventory answers a new client during the attack", timeout: .seconds(120), interval: .milliseconds(200)) {
            let status = await RawConnection.request(
                port: port, "GET /products HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n",
                timeout: .seconds(5))
            return status == "HTTP/1.1 200 OK"
        }
        let allClosed = (idle + heads + bodies).allSatisfy { $0.closedByPeer }
        #expect(!allClosed, "the attack was over before the client was answered")
        // The service itself closes every idle and slow connection, a slot at a time, and never holds
        // more than it may.
        try await eventually("inventory closed every idle and slow connection", timeout: .seconds(180), interval: .milliseconds(500)) {
            (idle + heads + bodies).allSatisfy(\.closedByPeer)
        }
        let most = mostFiles.withLock { $0 }
        #expect(most <= baseline + maxConnections + 8, "inventory held \(most) files (\(baseline) before the attack)")
        #expect(inventory.log().contains("request not received in time; connection closed"))
        (idle + heads + bodies).forEach { $0.close() }
    }

    /// A page on evil.example whose name was made to resolve to 127.0.0.1 sends `Host: evil.example`.
    @Test func everyServiceRefusesAHostItDoesNotAnswerFor() async throws {
        try await SystemLauncher.with(environment: ["WAREHOUSE_ALLOWED_HOSTS": "warehouse.test,.corp.example"]) { system in
            for service in ServiceName.allCases {
                let url = system.url(of: service) + "/health/live"
                let refused = try await system.request(.GET, url, headers: [("Host", "evil.example")])
                #expect(refused.status == 421, "\(service) answered Host: evil.example with \(refused.status)")
                #expect(refused.headers["Content-Type"].first == "application/problem+json")
                for host in ["127.0.0.1:\(system.addresses.port(of: service))", "localhost", "warehouse.test:80", "a.corp.example", "[::1]:1"] {
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
