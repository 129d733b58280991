import Foundation
import Testing
import WarehouseKit
import WarehouseLab

/// Every setting is also an environment variable (`--some-flag` is `WAREHOUSE_SOME_FLAG`), and a flag
/// wins over its variable: containers are configured by their environment alone.
@Suite(.timeLimit(.minutes(3)))
struct ConfigurationSystemTests {
    @Test func servicesRunFromTheirEnvironmentAloneAsAContainerRunsThem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ports = try FreePorts.take(2)
        let environment = [
            "WAREHOUSE_DATA_DIR": directory.path,
            "WAREHOUSE_ADMIN_TOKEN": "env-token",
            "WAREHOUSE_SEED_DEMO": "true",
            "WAREHOUSE_INVENTORY_URL": "http://127.0.0.1:\(ports[1])",
        ]
        let inventory = try await ServiceLauncher.start(
            .inventory, port: ports[1], executable: try SystemLauncher.binary(),
            environment: environment.merging(["WAREHOUSE_PORT": "\(ports[1])"]) { _, new in new },
            logFile: directory.appendingPathComponent("inventory.log"), http: SystemLauncher.testHTTP)
        let order = try await ServiceLauncher.start(
            .order, port: ports[0], executable: try SystemLauncher.binary(),
            environment: environment.merging(["WAREHOUSE_PORT": "\(ports[0])"]) { _, new in new },
            logFile: directory.appendingPathComponent("order.log"), http: SystemLauncher.testHTTP)
        do {
            // The demo catalogue was seeded (WAREHOUSE_SEED_DEMO) into the data directory (WAREHOUSE_DATA_DIR).
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("inventory.sqlite").path))
            let product = try await SystemLauncher.send(.GET, inventory.url + "/products/CONSOLE-PS5")
            #expect(product.status == 200)
            // The admin token came from WAREHOUSE_ADMIN_TOKEN.
            let restock = try await SystemLauncher.send(
                .PUT, inventory.url + "/products/ENV-1", body: Data(#"{"name": "Env", "stock": 3}"#.utf8),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer env-token")])
            #expect(restock.status == 201)
            // The order service reaches inventory at WAREHOUSE_INVENTORY_URL.
            let placed = try await SystemLauncher.send(
                .POST, order.url + "/orders", body: Data(#"{"customerId": "c-env", "items": [{"sku": "ENV-1", "quantity": 1}]}"#.utf8),
                headers: [("Content-Type", "application/json")])
            #expect(placed.status == 201)
        } catch {
            Issue.record("inventory log:\n\(inventory.log().suffix(2000))\norder log:\n\(order.log().suffix(2000))")
            await order.stop()
            await inventory.stop()
            throw error
        }
        await order.stop()
        await inventory.stop()
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/cmdline")))
    func upReadsItsEnvironmentAndAFlagWinsOverAVariable() async throws {
        let environment = ["WAREHOUSE_LATENCY_ALERT_THRESHOLD_MS": "500", "WAREHOUSE_ORDER_DEADLINE_MS": "1500"]
        try await SystemLauncher.with(["--latency-alert-threshold-ms", "700"], environment: environment) { system in
            let stats = try await system.request(.GET, system.orderURL + "/stats/latency")
            let threshold = try #require(
                (try JSONSerialization.jsonObject(with: stats.body) as? [String: Any])?["thresholdMs"] as? Double)
            #expect(threshold == 700)
            // The child was given the variable's value on its command line.
            let pid = try system.requirePID(of: "order")
            let commandLine = try String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)
                .split(separator: "\0").map(String.init)
            #expect(commandLine.contains("--order-deadline-ms"))
            #expect(commandLine.contains("1500"))
        }
    }
}
