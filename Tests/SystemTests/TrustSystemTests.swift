import Foundation
import Testing
import WarehouseKit
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// Who may do what, on real processes: the service token that guards what services ask of each other,
/// the admin token and the files both live in, and what the admin alone may read.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct TrustSystemTests {
    /// A stranger who can reach inventory cannot deduct stock, nor read order events; the services can,
    /// with the service token, which is not the admin token.
    @Test func inventoryDeductsOnlyForTheServiceTokenAndTheOrderFeedIsTheServices() async throws {
        try await SystemLauncher.with { system in
            let before = try await system.stock("CONSOLE-PS5")
            let body = Data(#"{"items": [{"sku": "CONSOLE-PS5", "quantity": 3}]}"#.utf8)
            let json = ("Content-Type", "application/json")
            let admin = ("Authorization", "Bearer \(try system.adminToken)")
            for headers in [[json], [json, admin], [json, ("Authorization", "Bearer \(String(repeating: "0", count: 64))")]] {
                let reply = try await system.request(.PUT, system.inventoryURL + "/deductions/stranger-1", body: body, headers: headers)
                #expect(reply.status == 401, "a deduction with \(headers) answered \(reply.status)")
                #expect(reply.headers["WWW-Authenticate"].first == "Bearer")
            }
            #expect(try await system.stock("CONSOLE-PS5") == before)
            #expect(try await system.request(.GET, system.inventoryURL + "/deductions/stranger-1").status == 401)
            #expect(try await system.request(.GET, system.orderURL + "/events?after=0").status == 401)
            #expect(try await system.request(.GET, system.inventoryURL + "/events?after=0").status == 401)

            // The services themselves: an order ships (order shows inventory the service token), and
            // notification reads the feed with it.
            let service = ("Authorization", "Bearer \(try system.serviceToken)")
            #expect(try system.adminToken != (try system.serviceToken))
            let placed = try await system.placeOrder(customer: "c-trust", [("CONSOLE-PS5", 1)])
            #expect(placed.status == 201)
            let id = try placed.json(OrderDTO.self).id
            try await eventually("notification read the order's shipped event", timeout: .seconds(30)) {
                let inbox = try await system.request(.GET, system.notificationURL + "/notifications?customerId=c-trust")
                return String(decoding: inbox.body, as: UTF8.self).contains(id)
            }
            #expect(try await system.request(.GET, system.orderURL + "/events?after=0", headers: [service]).status == 200)
            #expect(try await system.request(.GET, system.orderURL + "/events?after=0", headers: [admin]).status == 200)
            let record = try await system.request(.GET, system.inventoryURL + "/deductions/\(id)", headers: [service])
            #expect(record.status == 200)
            let deducted = try await system.request(
                .PUT, system.inventoryURL + "/deductions/service-1", body: body, headers: [json, service])
            #expect(deducted.status == 201)
            #expect(try await system.stock("CONSOLE-PS5") == before - 1 - 3)
        }
    }

    /// A record under an order's id for other lines (whoever made it: a stranger before the service
    /// token, a peer with a bug) settles nothing: the order neither ships with nothing deducted for it
    /// nor is rejected; it stays pending and the order service says why, as an error.
    @Test func aRecordUnderAnOrdersKeyForOtherLinesSettlesNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-dispute-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ports = try FreePorts.take(3)
        let serviceToken = String(repeating: "5e", count: 20)
        let environment = [
            "WAREHOUSE_SERVICE_TOKEN": serviceToken, "WAREHOUSE_SEED_DEMO": "true",
            "WAREHOUSE_INVENTORY_URL": "http://127.0.0.1:\(ports[1])",
        ]
        let isLive: @Sendable (String) async -> Bool = { url in (try? await SystemLauncher.send(.GET, url + "/health/live").status) == 200 }
        // Inventory is not there yet: the order is saved pending.
        let order = try await ServiceProcess.start("order", port: ports[0], dataDirectory: directory, environment: environment, isLive: isLive)
        defer { Task { await order.stop() } }
        let placed = try await SystemLauncher.send(
            .POST, order.url + "/orders", body: Data(#"{"customerId": "c-dispute", "items": [{"sku": "CONSOLE-PS5", "quantity": 1}]}"#.utf8),
            headers: [("Content-Type", "application/json")])
        #expect(placed.status == 202)
        let id = try placed.json(OrderDTO.self).id

        // Before the order service reaches it, inventory records a deduction under the order's id for
        // other lines (through a side door on another port, same database).
        let side = try await ServiceProcess.start("inventory", port: ports[2], dataDirectory: directory, environment: environment, isLive: isLive)
        let stock = { (url: String) in try await SystemLauncher.send(.GET, url + "/products/CONSOLE-PS5").json(ProductDTO.self).stock }
        let before = try await stock(side.url)
        let recorded = try await SystemLauncher.send(
            .PUT, side.url + "/deductions/\(id)", body: Data(#"{"items": [{"sku": "CABLE-HDMI21", "quantity": 1}]}"#.utf8),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(serviceToken)")])
        #expect(recorded.status == 201)
        await side.stop()

        let inventory = try await ServiceProcess.start(
            "inventory", port: ports[1], dataDirectory: directory, environment: environment, isLive: isLive)
        defer { Task { await inventory.stop() } }
        try await eventually("the order service met the record and said so", timeout: .seconds(90)) {
            order.log().contains("inventory's answer does not settle the order")
        }
        let after = try await SystemLauncher.send(.GET, order.url + "/orders/\(id)").json(OrderDTO.self)
        #expect(after.status == "pending", "the order was settled by a record of other lines: \(after.status)")
        #expect(try await stock(inventory.url) == before)
    }

    /// The data directory and the token files are private from the moment they exist; a token file
    /// found readable by others is narrowed (and the log says so); a mounted secret others may read is
    /// refused.
    @Test func tokenFilesArePrivateAndAWideOneIsNarrowedOrRefused() async throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }

        // A data directory `up` makes: 0700, both token files 0600, and so the simulated vendor's account
        // token in its store; the install's service token opens nothing at the vendor, its own token does.
        try await SystemLauncher.with(["--backup-vendor"]) { system in
            #expect(SecretFile.mode(system.dataDirectory.path) == 0o700)
            #expect(SecretFile.mode(Credential.admin.fileURL(in: system.dataDirectory).path) == 0o600)
            #expect(SecretFile.mode(Credential.service.fileURL(in: system.dataDirectory).path) == 0o600)
            let vendorFile = Credential.admin.fileURL(in: system.dataDirectory.appendingPathComponent("backup-vendor"))
            #expect(SecretFile.mode(vendorFile.path) == 0o600)
            let vendorToken = try String(contentsOf: vendorFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            for (token, status) in [(try system.serviceToken, 401), (vendorToken, 200)] {
                let reply = try await system.request(
                    .GET, system.backupVendorURL + "/accounts/warehouse/packs", headers: [("Authorization", "Bearer \(token)")])
                #expect(reply.status == status)
            }
        }

        // A token file someone made readable by everyone: narrowed at start, and said so.
        let data = parent.appendingPathComponent("data")
        try SecretFile.makePrivateDirectory(data)
        let adminFile = Credential.admin.fileURL(in: data).path
        try "\(String(repeating: "a1", count: 32))\n".write(toFile: adminFile, atomically: false, encoding: .utf8)
        chmod(adminFile, 0o644)
        chmod(data.path, 0o755)
        let port = try FreePorts.take(1)[0]
        let inventory = try await ServiceProcess.start(
            "inventory", port: port, dataDirectory: data,
            isLive: { url in (try? await SystemLauncher.send(.GET, url + "/health/live").status) == 200 })
        #expect(SecretFile.mode(adminFile) == 0o600)
        #expect(SecretFile.mode(data.path) == 0o700)
        #expect(inventory.log().contains("admin token file was readable by others; narrowed to 0600"))
        let restock = try await SystemLauncher.send(
            .PUT, inventory.url + "/products/TRUST-1", body: Data(#"{"name": "Trust", "stock": 1}"#.utf8),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(String(repeating: "a1", count: 32))")])
        #expect(restock.status == 201)
        await inventory.stop()

        // A mounted secret others may read: refused, with the file named.
        let secret = parent.appendingPathComponent("admin-secret")
        try "\(String(repeating: "b2", count: 32))\n".write(to: secret, atomically: false, encoding: .utf8)
        chmod(secret.path, 0o644)
        let refused = try await runToExit(["serve", "inventory", "--port", "\(port)", "--data-dir", data.path, "--admin-token-file", secret.path])
        #expect(refused.status != 0)
        #expect(refused.output.contains("--admin-token-file: \(secret.path) may be read by other users"))
    }

    /// Tokens are long enough not to be guessed; `Bearer` is matched in any case, as HTTP says.
    @Test func aShortAdminTokenIsRefusedAndTheBearerSchemeIsCaseInsensitive() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-short-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let ports = try FreePorts.take(SystemDeclaration.services.count)
        let portArguments = zip(SystemDeclaration.services, ports).flatMap { [$0.name.portSetting.flag, "\($1)"] }
        let refused = try await runToExit(
            ["up", "--data-dir", directory.path] + portArguments, environment: ["WAREHOUSE_ADMIN_TOKEN": "letmein"])
        #expect(refused.status != 0)
        #expect(refused.output.contains("the admin token from WAREHOUSE_ADMIN_TOKEN must be at least 32 characters long"))

        try await SystemLauncher.with { system in
            let token = try system.adminToken
            for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
                let reply = try await system.request(
                    .PUT, system.inventoryURL + "/products/CASE-1", body: Data(#"{"name": "Case", "stock": 1}"#.utf8),
                    headers: [("Content-Type", "application/json"), ("Authorization", "\(scheme) \(token)")])
                #expect([200, 201].contains(reply.status), "\(scheme) answered \(reply.status)")
            }
        }
    }

    /// `/health` tells anyone what is wrong, and the admin where; every customer's orders at once are the
    /// admin's when the deployment says so.
    @Test func healthDetailsAndEveryCustomersOrdersAreTheAdmins() async throws {
        try await SystemLauncher.with(environment: ["WAREHOUSE_CUSTOMER_LISTING": "admin"]) { system in
            let admin = ("Authorization", "Bearer \(try system.adminToken)")
            #expect(try await system.placeOrder(customer: "c-a", [("CABLE-HDMI21", 1)]).status == 201)
            #expect(try await system.placeOrder(customer: "c-b", [("CABLE-HDMI21", 1)]).status == 201)
            for url in [system.orderURL + "/orders", system.orderURL + "/orders?status=shipped", system.notificationURL + "/notifications"] {
                let anonymous = try await system.request(.GET, url)
                #expect(anonymous.status == 401, "\(url) answered \(anonymous.status)")
                #expect(try await system.request(.GET, url, headers: [admin]).status == 200)
            }
            let mine = try await system.request(.GET, system.orderURL + "/orders?customerId=c-a").json(OrderList.self).orders
            #expect(mine.map(\.customerId) == ["c-a"])
            let all = try await system.request(.GET, system.orderURL + "/orders", headers: [admin]).json(OrderList.self).orders
            #expect(Set(all.map(\.customerId)) == ["c-a", "c-b"])

            let path = system.dataDirectory.appendingPathComponent("inventory.sqlite").path
            try FileManager.default.moveItem(atPath: path, toPath: path + ".away")
            defer { try? FileManager.default.moveItem(atPath: path + ".away", toPath: path) }
            let anonymous = try await system.health(system.inventoryURL + "/health")
            #expect(anonymous.status == 503)
            #expect(anonymous.report.check("database:responseTime")?.output == "inventory database: its file is missing")
            let detailed = try await system.health(system.inventoryURL + "/health", headers: [admin])
            #expect(detailed.report.check("database:responseTime")?.output == "inventory database: file \(path) is missing")
            for url in [system.inventoryURL + "/health", system.inventoryURL + "/health/ready", system.orderURL + "/health"] {
                let body = String(decoding: try await system.request(.GET, url).body, as: UTF8.self)
                #expect(!body.contains(system.dataDirectory.path), "\(url) shows a path to anyone: \(body)")
            }
        }
    }

    /// Runs the binary to its end (killing it after 60 s: a command that should have refused to start
    /// and serves instead) and returns its exit status and everything it wrote.
    private func runToExit(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-run-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let process = try SpawnedProcess(
            executable: try SystemLauncher.binary(), arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new }, output: .file(log))
        var exit = await process.waitForExit(timeout: .seconds(60))
        if exit == nil {
            process.send(SIGKILL)
            exit = try await process.waitForExit()
        }
        return (exit?.code ?? -1, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
