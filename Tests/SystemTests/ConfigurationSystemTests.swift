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
            "WAREHOUSE_ADMIN_TOKEN": "env-token-env-token-env-token-env-token",
            "WAREHOUSE_SERVICE_TOKEN": "env-service-token-env-service-token-0123",
            "WAREHOUSE_SEED_DEMO": "true",
            "WAREHOUSE_INVENTORY_URL": "http://127.0.0.1:\(ports[1])",
        ]
        let inventory = try await ServiceLauncher.start(
            .inventory, port: ports[1], executable: try SystemLauncher.binary(),
            environment: environment.merging(["WAREHOUSE_PORT": "\(ports[1])"]) { _, new in new },
            logFile: directory.appendingPathComponent("inventory.log"), http: SystemLauncher.testHTTP)
        let order: ServiceLauncher
        do {
            order = try await ServiceLauncher.start(
                .order, port: ports[0], executable: try SystemLauncher.binary(),
                environment: environment.merging(["WAREHOUSE_PORT": "\(ports[0])"]) { _, new in new },
                logFile: directory.appendingPathComponent("order.log"), http: SystemLauncher.testHTTP)
        } catch {
            // Not left running after the test: it would serve on, from a deleted directory.
            await inventory.stop()
            throw error
        }
        do {
            // The demo catalogue was seeded (WAREHOUSE_SEED_DEMO) into the data directory (WAREHOUSE_DATA_DIR).
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("inventory.sqlite").path))
            let product = try await SystemLauncher.send(.GET, inventory.url + "/products/CONSOLE-PS5")
            #expect(product.status == 200)
            // The admin token came from WAREHOUSE_ADMIN_TOKEN.
            let restock = try await SystemLauncher.send(
                .PUT, inventory.url + "/products/ENV-1", body: Data(#"{"name": "Env", "stock": 3}"#.utf8),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer env-token-env-token-env-token-env-token")])
            #expect(restock.status == 201)
            // The order service reaches inventory at WAREHOUSE_INVENTORY_URL, with WAREHOUSE_SERVICE_TOKEN; nothing
            // was written to the data directory for either token.
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("admin-token").path))
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("service-token").path))
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

    @Test func aServiceKeepsItsDataWhereItsDatabaseURLSays() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-url-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try FreePorts.take(1)[0]
        let file = directory.appendingPathComponent("elsewhere/stock.sqlite")
        let inventory = try await ServiceLauncher.start(
            .inventory, port: port, executable: try SystemLauncher.binary(),
            arguments: [
                "--port", "\(port)", "--data-dir", directory.appendingPathComponent("data").path, "--seed-demo",
                "--database-url", "sqlite://" + file.path,
            ],
            logFile: directory.appendingPathComponent("inventory.log"), http: SystemLauncher.testHTTP)
        let status: Int
        do {
            status = try await SystemLauncher.send(.GET, inventory.url + "/products/CONSOLE-PS5").status
        } catch {
            await inventory.stop()
            throw error
        }
        await inventory.stop()
        #expect(status == 200)
        #expect(FileManager.default.fileExists(atPath: file.path))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("data/inventory.sqlite").path))
    }

    /// A `WAREHOUSE_DATABASE_URL` in the environment of `up` is meant for nobody: the supervisor removes
    /// it, and each child keeps its own file in the data directory.
    @Test func upKeepsEveryServiceOnItsOwnDatabaseWhateverItsEnvironmentSays() async throws {
        let shared = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-shared-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: shared) }
        try await SystemLauncher.with(environment: ["WAREHOUSE_DATABASE_URL": "sqlite://" + shared.path]) { system in
            let placed = try await system.placeOrder([("CONSOLE-PS5", 1)])
            #expect(placed.status == 201)
            for file in ["orders.sqlite", "inventory.sqlite"] {
                #expect(FileManager.default.fileExists(atPath: system.dataDirectory.appendingPathComponent(file).path), "\(file)")
            }
            #expect(!FileManager.default.fileExists(atPath: shared.path))
        }
    }
}
