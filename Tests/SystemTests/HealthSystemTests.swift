import Foundation
import GRDB
import Testing
import WarehouseKit
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// Health that tells the truth, on real processes: each dependency is broken for real (the inventory
/// database locked, moved away, deleted; inventory stopped or not there at all), and the health
/// answers, codes and outputs say so within a second, then recover.
///
/// CI runs as root, and root reads and writes a file whatever its mode, so `chmod` cannot make the
/// database unreadable there; that case runs only for other users.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HealthSystemTests {
    /// How long a health answer may take while a dependency is broken. The checks give up by design
    /// after 300 ms (a locked database) and 700 ms (another service's probe), and the monitor after
    /// 800 ms; a check that hung instead would wait for the writer's 5 s busy timeout. 3 s tells the two
    /// apart and leaves a crowded test run (two busy cores) room to schedule the answer.
    static let bound: Duration = .seconds(3)

    @Test func aLockedInventoryDatabaseFailsInventoryHealthPromptlyAndOrderWarnsNamingIt() async throws {
        try await SystemLauncher.with { system in
            let path = system.dataDirectory.appendingPathComponent("inventory.sqlite").path
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true
            let holder = try DatabaseQueue(path: path, configuration: configuration)
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }

            let locked = "inventory database: locked by another connection (no write lock within 300 ms)"
            for route in ["/health", "/health/ready"] {
                let inventory = try await system.health(system.inventoryURL + route, until: "\(route) names the lock") {
                    $0.report.check("database:responseTime")?.output == locked
                }
                #expect(inventory.status == 503, "\(route)")
                #expect(inventory.elapsed < Self.bound, "\(route) answered after \(inventory.elapsed)")
                #expect(inventory.report.status == "fail")
                let database = try #require(inventory.report.check("database:responseTime"))
                #expect(database.status == "fail")
                #expect(database.output == locked)
                #expect(database.componentType == "datastore")
                #expect(database.observedUnit == "ms")
            }
            let live = try await system.health(system.inventoryURL + "/health/live")
            #expect(live.status == 200, "liveness never touches the database")
            #expect(live.report.checks["database:responseTime"] == nil)

            let order = try await system.health(system.orderURL + "/health", until: "order names the lock") {
                $0.report.check("inventory:responseTime")?.output == "inventory not ready: " + locked
            }
            #expect(order.status == 200)
            #expect(order.report.status == "warn")
            #expect(order.report.check("database:responseTime")?.status == "pass")

            try await eventually("the console's tiles name the lock", timeout: .seconds(30)) {
                let tiles = try await system.request(.GET, system.consoleURL + "/api/health").json(TilesDTO.self)
                return tiles.tile("inventory")?.status == "fail" && tiles.tile("inventory")?.reasons == [locked]
                    && tiles.tile("order")?.status == "warn"
            }

            try await holder.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            let recovered = try await system.health(system.inventoryURL + "/health")
            #expect(recovered.status == 200)
            #expect(recovered.report.status == "pass")
            #expect(try await system.health(system.orderURL + "/health").report.status == "pass")
        }
    }

    @Test func anInventoryDatabaseFileMovedAwayFailsPromptlyAndPassesWhenPutBack() async throws {
        try await SystemLauncher.with { system in
            let path = system.dataDirectory.appendingPathComponent("inventory.sqlite").path
            try FileManager.default.moveItem(atPath: path, toPath: path + ".away")

            let inventory = try await system.health(system.inventoryURL + "/health")
            #expect(inventory.status == 503)
            #expect(inventory.elapsed < Self.bound)
            // Anyone is told what is wrong; only the admin is shown where.
            #expect(inventory.report.check("database:responseTime")?.output == "inventory database: its file is missing")
            let admin = try await system.health(system.inventoryURL + "/health", headers: [("Authorization", "Bearer \(try system.adminToken)")])
            #expect(admin.report.check("database:responseTime")?.output == "inventory database: file \(path) is missing")
            let order = try await system.health(system.orderURL + "/health", until: "order names the missing file") {
                $0.report.check("inventory:responseTime")?.output == "inventory not ready: inventory database: its file is missing"
            }
            #expect(order.status == 200)
            #expect(order.report.status == "warn")

            try FileManager.default.moveItem(atPath: path + ".away", toPath: path)
            #expect(try await system.health(system.inventoryURL + "/health").status == 200)
            #expect(try await system.health(system.orderURL + "/health").report.status == "pass")
            #expect(try await system.placeOrder([("CONSOLE-PS5", 1)]).status == 201)
        }
    }

    @Test func aDeletedInventoryDatabaseFailsUntilInventoryIsRestartedOnAFreshOne() async throws {
        try await SystemLauncher.with { system in
            let path = system.dataDirectory.appendingPathComponent("inventory.sqlite").path
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }

            let inventory = try await system.health(system.inventoryURL + "/health")
            #expect(inventory.status == 503)
            #expect(inventory.elapsed < Self.bound)
            #expect(inventory.report.status == "fail")
            #expect(inventory.report.check("database:responseTime")?.output == "inventory database: its file is missing")
            #expect(try await system.health(system.orderURL + "/health").report.status == "warn")

            // What an operator does: restart inventory, which makes (and seeds) a new database.
            try await system.killAndAwaitRestart("inventory")
            #expect(try await system.health(system.inventoryURL + "/health").report.status == "pass")
            try await eventually("order sees inventory ready again", timeout: .seconds(10)) {
                try await system.health(system.orderURL + "/health").report.status == "pass"
            }
            #expect(try await system.placeOrder([("CONSOLE-PS5", 1)]).status == 201)
        }
    }

    @Test func aStoppedInventoryIsAWarnOfTheOrderServiceNamingItAndLivenessStaysUntouched() async throws {
        try await SystemLauncher.with { system in
            let inventory = try await system.suspend("inventory")

            // 100 ms under each monitor's limit: order's 800 ms, the console's 1,500 ms.
            let timedOut = "inventory unreachable: no answer within 700 ms"
            let order = try await system.health(system.orderURL + "/health", until: "order says inventory timed out") {
                $0.report.check("inventory:responseTime")?.output == timedOut
            }
            #expect(order.status == 200)
            #expect(order.elapsed < Self.bound)
            #expect(order.report.status == "warn")
            #expect(order.report.check("inventory:responseTime")?.status == "warn")
            #expect(try await system.health(system.orderURL + "/health/ready").report.status == "warn")

            let live = try await system.health(system.orderURL + "/health/live")
            #expect(live.status == 200)
            #expect(live.report.status == "pass")
            // Liveness does not wait for inventory: it runs no dependency's check, only says how long the
            // process has been up (a clock bound here failed a crowded run at 903 ms; the report's shape
            // cannot).
            #expect(live.report.checks.keys.sorted() == ["uptime"], "liveness ran checks: \(live.report.checks.keys.sorted())")

            let console = try await system.health(system.consoleURL + "/health", until: "the console says inventory timed out") {
                $0.report.check("inventory:responseTime")?.output == "inventory unreachable: no answer within 1400 ms"
            }
            #expect(console.status == 200)
            #expect(console.report.status == "warn")
            #expect(console.report.check("order:responseTime")?.status == "pass")

            #expect(kill(inventory, SIGCONT) == 0)
            try await eventually("order's health passes again", timeout: .seconds(10)) {
                try await system.health(system.orderURL + "/health").report.status == "pass"
            }
            #expect(try await system.health(system.consoleURL + "/health").report.status == "pass")
        }
    }

    @Test func withNoInventoryListeningOrderWarnsConnectionRefusedAndPassesOnceItStarts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ports = try FreePorts.take(2)
        let order = try await Self.serve(
            .order, port: ports[0], in: directory, ["--inventory-url", "http://127.0.0.1:\(ports[1])"])
        var inventory: ServiceLauncher?
        do {
            let health = try await SystemLauncher.send(.GET, order.url + "/health").json(HealthDTO.self)
            #expect(health.status == "warn")
            #expect(health.check("inventory:responseTime")?.output == "inventory unreachable: connection refused")

            inventory = try await Self.serve(.inventory, port: ports[1], in: directory)
            try await eventually("order passes once inventory listens", timeout: .seconds(10)) {
                try await SystemLauncher.send(.GET, order.url + "/health").json(HealthDTO.self).status == "pass"
            }
        } catch {
            Issue.record("order log:\n\(order.log().suffix(3000))")
            await order.stop()
            await inventory?.stop()
            throw error
        }
        await order.stop()
        await inventory?.stop()
    }

    /// `warehouse serve <service> --port P --data-dir D <arguments>` on its own, as a container runs it.
    static func serve(_ service: ServiceName, port: Int, in directory: URL, _ arguments: [String] = []) async throws
        -> ServiceLauncher
    {
        try await ServiceLauncher.start(
            service, port: port, executable: try SystemLauncher.binary(),
            arguments: ["--port", "\(port)", "--data-dir", directory.path] + arguments,
            logFile: directory.appendingPathComponent("\(service).log"), http: SystemLauncher.testHTTP)
    }

    @Test(.enabled(if: getuid() != 0, "root reads any file whatever its mode"))
    func anUnreadableInventoryDatabaseFailsPromptlyAndPassesOnceReadableAgain() async throws {
        try await SystemLauncher.with { system in
            let path = system.dataDirectory.appendingPathComponent("inventory.sqlite").path
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
            let inventory = try await system.health(system.inventoryURL + "/health")
            #expect(inventory.status == 503)
            #expect(inventory.elapsed < Self.bound)
            #expect(
                inventory.report.check("database:responseTime")?.output
                    == "inventory database: its file is not readable and writable by this process")
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            #expect(try await system.health(system.inventoryURL + "/health").status == 200)
        }
    }
}

/// The console's health tiles (`GET /api/health`).
struct TilesDTO: Codable, Sendable {
    struct Tile: Codable, Sendable {
        var name: String
        var status: String
        var httpStatus: Int?
        var reasons: [String]
    }

    var services: [Tile]

    func tile(_ name: String) -> Tile? { services.first { $0.name == name } }
}

extension SystemLauncher {
    /// Asks `url` for its health until `holds` is true of the answer, and returns that answer. On a
    /// crowded machine one probe can run out of its own time (a dependency check then says "no answer
    /// within 700 ms", or the monitor "did not answer within 800 ms") before the state the test is about
    /// shows; that state is what the test checks, so it is awaited, not expected of the first answer.
    func health(
        _ url: String, until what: String,
        _ holds: @Sendable ((status: Int, report: HealthDTO, elapsed: Duration)) -> Bool
    ) async throws -> (status: Int, report: HealthDTO, elapsed: Duration) {
        let giveUp = ContinuousClock.now + .seconds(30)
        while true {
            let answer = try await health(url)
            if holds(answer) { return answer }
            guard ContinuousClock.now < giveUp else { throw LabError.timedOut(what) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
