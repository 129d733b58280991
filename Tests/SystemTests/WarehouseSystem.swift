import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WarehouseKit
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// The real system under test: `warehouse up` started as its own process on free loopback ports with a
/// fresh data directory, each service a child process of it, exactly as a person would run it.
final class WarehouseSystem: @unchecked Sendable {
    // Unchecked: `process` is only touched from the test that owns this system.
    let dataDirectory: URL
    let orderURL: String
    let inventoryURL: String
    let notificationURL: String
    let consoleURL: String
    private let process: Process

    /// A client with room for many concurrent requests (the shared one keeps few connections per host).
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(30))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    private init(
        dataDirectory: URL, orderURL: String, inventoryURL: String, notificationURL: String, consoleURL: String, process: Process
    ) {
        self.dataDirectory = dataDirectory
        self.orderURL = orderURL
        self.inventoryURL = inventoryURL
        self.notificationURL = notificationURL
        self.consoleURL = consoleURL
        self.process = process
    }

    /// Starts the system and returns once every service answers its readiness probe.
    static func start(_ extraArguments: [String] = []) async throws -> WarehouseSystem {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-system-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ports = try SystemLauncher.freePorts(4)
        let process = Process()
        process.executableURL = try binary()
        process.arguments =
            [
                "up", "--data-dir", directory.path,
                "--order-port", "\(ports[0])", "--inventory-port", "\(ports[1])", "--console-port", "\(ports[2])",
                "--notification-port", "\(ports[3])",
            ] + extraArguments
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("up.log").path, contents: nil)
        let log = try FileHandle(forWritingTo: directory.appendingPathComponent("up.log"))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let system = WarehouseSystem(
            dataDirectory: directory,
            orderURL: "http://127.0.0.1:\(ports[0])",
            inventoryURL: "http://127.0.0.1:\(ports[1])",
            notificationURL: "http://127.0.0.1:\(ports[3])",
            consoleURL: "http://127.0.0.1:\(ports[2])",
            process: process
        )
        do {
            try await system.waitUntilReady()
        } catch {
            _ = try? await system.stop()
            throw error
        }
        return system
    }

    /// Sends SIGTERM to `warehouse up` and returns its exit status once it has exited.
    @discardableResult
    func stop() async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        try await eventually("warehouse up exits after SIGTERM", timeout: .seconds(20)) { !self.process.isRunning }
        return process.terminationStatus
    }

    /// Runs `body` against a fresh system, then stops it and deletes its data, whether `body` passed or not.
    static func with<T>(_ extraArguments: [String] = [], _ body: (WarehouseSystem) async throws -> T) async throws -> T {
        let system = try await start(extraArguments)
        do {
            let result = try await body(system)
            await system.tearDown()
            return result
        } catch {
            Issue.record("warehouse up log:\n\(system.log().suffix(3000))")
            await system.tearDown()
            throw error
        }
    }

    /// Stops the system and deletes its data directory.
    func tearDown() async {
        _ = try? await stop()
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    func log() -> String {
        (try? String(contentsOf: dataDirectory.appendingPathComponent("up.log"), encoding: .utf8)) ?? ""
    }

    var adminToken: String {
        get throws {
            try String(contentsOf: dataDirectory.appendingPathComponent("admin-token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The pid of a running child (`order`, `inventory`, `notification` or `console`), from the file the supervisor keeps.
    func pid(of child: String) throws -> Int32 {
        let text = try String(contentsOf: dataDirectory.appendingPathComponent("run/\(child).pid"), encoding: .utf8)
        return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Stops a child with SIGSTOP and returns its pid once every thread of it has stopped: `kill` returns
    /// before that, and a thread still running could answer one more request (a CI run saw inventory
    /// pass a health check just after being sent SIGSTOP).
    @discardableResult
    func suspend(_ child: String) async throws -> Int32 {
        let pid = try pid(of: child)
        #expect(kill(pid, SIGSTOP) == 0)
        try await eventually("\(child) stopped", timeout: .seconds(10)) { Self.isStopped(pid) }
        return pid
    }

    /// Whether every thread of `pid` is in state T (stopped), from `/proc/PID/task/*/stat`.
    private static func isStopped(_ pid: Int32) -> Bool {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"), !tasks.isEmpty else {
            return false
        }
        return tasks.allSatisfy { task in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                let afterName = stat.range(of: ") ", options: .backwards)
            else { return false }
            return stat[afterName.upperBound...].first == "T"
        }
    }

    /// Kills a child with SIGKILL and waits until the supervisor has restarted it and it is ready again.
    func killAndAwaitRestart(_ child: String) async throws {
        let old = try pid(of: child)
        #expect(kill(old, SIGKILL) == 0)
        try await eventually("\(child) restarted with a new pid", timeout: .seconds(30)) {
            ((try? self.pid(of: child)).map { $0 != old } ?? false)
        }
        try await waitUntilReady()
    }

    func waitUntilReady() async throws {
        for (service, url) in [
            ("inventory", inventoryURL), ("order", orderURL), ("notification", notificationURL), ("console", consoleURL),
        ] {
            try await eventually("\(service) ready at \(url)", timeout: .seconds(60)) {
                guard self.process.isRunning else { throw SystemError.exited(self.log()) }
                return await ReadinessProbe.isReady(service, at: url, client: Self.http)
            }
        }
    }

    // MARK: HTTP

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        func json<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder.contract.decode(type, from: body)
        }
    }

    func request(_ method: HTTPMethod, _ url: String, body: Data? = nil, headers: [(String, String)] = []) async throws -> Reply {
        try await Self.send(method, url, body: body, headers: headers)
    }

    static func send(_ method: HTTPMethod, _ url: String, body: Data? = nil, headers: [(String, String)] = []) async throws
        -> Reply
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await Self.http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    func placeOrder(customer: String = "c-42", _ items: [(String, Int)], idempotencyKey: String? = nil) async throws -> Reply {
        let body = try JSONSerialization.data(withJSONObject: [
            "customerId": customer,
            "items": items.map { ["sku": $0.0, "quantity": $0.1] },
        ])
        var headers = [("Content-Type", "application/json")]
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        return try await request(.POST, orderURL + "/orders", body: body, headers: headers)
    }

    func order(_ id: String) async throws -> OrderDTO {
        let reply = try await request(.GET, orderURL + "/orders/\(id)")
        try #require(reply.status == 200, "GET /orders/\(id) answered \(reply.status)")
        return try reply.json(OrderDTO.self)
    }

    func orders(status: String? = nil) async throws -> [OrderDTO] {
        let query = status.map { "?status=\($0)&limit=500" } ?? "?limit=500"
        return try await request(.GET, orderURL + "/orders" + query).json(OrderList.self).orders
    }

    /// A service's `/health` (or `/health/ready`, `/health/live`): the HTTP status, the report, and how
    /// long the answer took.
    func health(_ url: String) async throws -> (status: Int, report: HealthDTO, elapsed: Duration) {
        let started = ContinuousClock.now
        let reply = try await request(.GET, url)
        let elapsed = ContinuousClock.now - started
        #expect(reply.headers["Content-Type"].first == "application/health+json", "\(url)")
        return (reply.status, try reply.json(HealthDTO.self), elapsed)
    }

    func stock(_ sku: String) async throws -> Int {
        try await request(.GET, inventoryURL + "/products/\(sku)").json(ProductDTO.self).stock
    }

    func putProduct(_ sku: String, name: String, stock: Int) async throws -> Reply {
        let body = try JSONSerialization.data(withJSONObject: ["name": name, "stock": stock])
        return try await request(
            .PUT, inventoryURL + "/products/\(sku)", body: body,
            headers: [
                ("Content-Type", "application/json"), ("Authorization", "Bearer \(try adminToken)"),
            ])
    }

    // MARK: Plumbing

    /// The binary under test: `WAREHOUSE_BIN`, else the debug build of this package.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["WAREHOUSE_BIN"] { return URL(fileURLWithPath: path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for candidate in [".build/debug/warehouse", ".build/release/warehouse"] {
            let url = root.appendingPathComponent(candidate)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw SystemError.noBinary
    }

}

enum SystemError: Error, CustomStringConvertible {
    case noBinary
    case exited(String)
    case timedOut(String)

    var description: String {
        switch self {
        case .noBinary: "no warehouse binary: run `swift build` first or set WAREHOUSE_BIN"
        case .exited(let log): "warehouse up exited early; its log:\n\(log.suffix(4000))"
        case .timedOut(let what): "timed out waiting until \(what)"
        }
    }
}

/// Polls `condition` until it holds, failing after `timeout`. For conditions another process makes
/// true (a restart, an order settling), where there is nothing to await but the condition itself.
func eventually(_ what: String, timeout: Duration, _ condition: @Sendable () async throws -> Bool) async throws {
    let giveUp = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < giveUp else { throw SystemError.timedOut(what) }
        try await Task.sleep(for: .milliseconds(50))
    }
}

// MARK: The public contract, as a client sees it

struct LineDTO: Codable, Equatable, Sendable {
    var sku: String
    var quantity: Int
}

struct OrderDTO: Codable, Sendable {
    var id: String
    var customerId: String
    var items: [LineDTO]
    var status: String
    var message: String
    var reason: String?
    var createdAt: Date
    var updatedAt: Date
}

struct OrderList: Codable, Sendable {
    var orders: [OrderDTO]
}

struct ProductDTO: Codable, Sendable {
    var sku: String
    var name: String
    var stock: Int
}

/// An `application/health+json` report.
struct HealthDTO: Codable, Sendable {
    struct Check: Codable, Sendable {
        var componentType: String
        var observedValue: Double?
        var observedUnit: String?
        var status: String
        var time: String
        var output: String?
    }

    var status: String
    var serviceId: String
    var checks: [String: [Check]]

    /// The first result of a check, such as `database:responseTime`.
    func check(_ key: String) -> Check? { checks[key]?.first }
}

struct ProblemDTO: Codable, Sendable {
    struct FieldError: Codable, Sendable {
        var pointer: String
        var detail: String
    }

    var title: String
    var status: Int
    var detail: String?
    var errors: [FieldError]?
}

extension JSONDecoder {
    static let contract: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) {
                return date
            }
            return try Date(text, strategy: .iso8601)
        }
        return decoder
    }()
}
