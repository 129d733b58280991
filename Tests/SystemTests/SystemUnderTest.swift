import Foundation
import NIOHTTP1
import Testing
import WarehouseKit
import WarehouseLab

/// The system tests run the real system through the lab's launcher (`warehouse up` on free loopback
/// ports with a fresh data directory, each service a child process of it, exactly as a person runs
/// it), and talk to it as a client would.
extension SystemLauncher {
    /// One client for every test: a pool with room for many concurrent requests, patient to connect
    /// (the whole suite shares two cores: 200 connections opened at once waited over 2 s for the pool).
    static let testHTTP = LabHTTP(connectTimeout: .seconds(60))

    /// Runs `body` against a fresh system, then stops it and deletes its data, whether `body` passed or not.
    static func with<T>(
        _ arguments: [String] = [],
        environment: [String: String] = [:],
        _ body: (SystemLauncher) async throws -> T
    ) async throws -> T {
        let system = try await start(executable: try binary(), arguments: arguments, environment: environment, http: testHTTP)
        do {
            let result = try await body(system)
            await system.stop()
            return result
        } catch {
            Issue.record("warehouse up log:\n\(system.log().suffix(3000))")
            await system.stop()
            throw error
        }
    }

    /// The binary under test: `WAREHOUSE_BIN`, else the build of this package.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["WAREHOUSE_BIN"] { return URL(fileURLWithPath: path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for candidate in [".build/debug/warehouse", ".build/release/warehouse"] {
            let url = root.appendingPathComponent(candidate)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw LabError.unexpected("no warehouse binary: run `swift build` first or set WAREHOUSE_BIN")
    }

    /// The pid of a running service, failing the test when it has none.
    func requirePID(of service: String) throws -> Int32 {
        try #require(pid(of: service), "\(service) has no pid file")
    }

    // MARK: Requests, as a client makes them

    func request(_ method: HTTPMethod, _ url: String, body: Data? = nil, headers: [(String, String)] = []) async throws
        -> LabHTTP.Reply
    {
        try await Self.send(method, url, body: body, headers: headers)
    }

    static func send(_ method: HTTPMethod, _ url: String, body: Data? = nil, headers: [(String, String)] = []) async throws
        -> LabHTTP.Reply
    {
        try await testHTTP.send(method, url, body: body, headers: headers)
    }

    func placeOrder(customer: String = "c-42", _ items: [(String, Int)], idempotencyKey: String? = nil) async throws
        -> LabHTTP.Reply
    {
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
    func health(_ url: String, headers: [(String, String)] = []) async throws -> (status: Int, report: HealthDTO, elapsed: Duration) {
        let started = ContinuousClock.now
        let reply = try await request(.GET, url, headers: headers)
        let elapsed = ContinuousClock.now - started
        #expect(reply.headers["Content-Type"].first == "application/health+json", "\(url)")
        return (reply.status, try reply.json(HealthDTO.self), elapsed)
    }

    func stock(_ sku: String) async throws -> Int {
        try await request(.GET, inventoryURL + "/products/\(sku)").json(ProductDTO.self).stock
    }

    func putProduct(_ sku: String, name: String, stock: Int) async throws -> LabHTTP.Reply {
        let body = try JSONSerialization.data(withJSONObject: ["name": name, "stock": stock])
        return try await request(
            .PUT, inventoryURL + "/products/\(sku)", body: body,
            headers: [
                ("Content-Type", "application/json"), ("Authorization", "Bearer \(try adminToken)"),
            ])
    }
}

// MARK: The public contract, as a client sees it (written apart from the code on purpose)

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
