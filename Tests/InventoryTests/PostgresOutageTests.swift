import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Inventory
import Logging
import Testing
import WarehouseKit
import WarehouseTestSupport

/// The PostgreSQL server killed under a running service, and started again: the service says so,
/// refuses with a clear 503 meanwhile, writes nothing by halves, and recovers by itself.
///
/// A cluster of its own (the run's shared server must stay up for the other tests), on a port it keeps
/// across the restart, as a database server's address does.
@Suite(
    "PostgreSQL killed and back", .serialized, .timeLimit(.minutes(10)),
    .enabled(if: TestPostgres.isAvailable, "\(TestPostgres.unavailableReason ?? "")"))
struct PostgresOutageTests {
    struct Report: Decodable {
        var status: String
        var checks: [String: [Check]]
    }

    struct Check: Decodable {
        var status: String
        var output: String?
    }

    /// The first answer that is not 503, asked again while the database is still coming back (a
    /// minute at most: a starved machine may take long to start a server).
    static func firstAnswer(_ request: () async throws -> TestResponse) async throws -> TestResponse {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let response = try await request()
            if response.status != .serviceUnavailable || ContinuousClock.now > deadline { return response }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("health fails naming the database, writes are a 503 problem, and everything recovers without a restart")
    func killedAndBack() async throws {
        try await withTemporaryDirectory { directory in
            let cluster = try LocalPostgres(directory: directory.appendingPathComponent("postgres"), durability: .normal)
            let server = try await cluster.start(logger: quietLogger)
            var configuration = InventoryConfiguration(databaseURL: .postgres(server.url))
            configuration.edge.credentials = testCredentials
            configuration.healthTimeout = healthTimeout
            let service = try await InventoryService.live(configuration: configuration, logger: quietLogger)
            let app = try service.makeApplication()
            let restarted = try await app.test(.router) { client in
                #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
                let created = try await client.execute(
                    uri: "/products/SKU-A", method: .put, headers: .admin, body: ByteBuffer(string: #"{"name": "A", "stock": 10}"#))
                #expect(created.status == .created, "\(created.text)")

                await server.kill()

                let health = try await client.execute(uri: "/health", method: .get)
                #expect(health.status == .serviceUnavailable)
                let report = try health.decode(Report.self)
                #expect(report.status == "fail")
                let output = try #require(report.checks["database:responseTime"]?.first?.output)
                #expect(output.hasPrefix("inventory database (PostgreSQL 127.0.0.1:\(server.url.port)/warehouse, schema inventory)"), "\(output)")
                #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)

                let refused = try await client.execute(
                    uri: "/deductions/k1", method: .put, headers: .service,
                    body: ByteBuffer(string: #"{"items": [{"sku": "SKU-A", "quantity": 3}]}"#))
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.headers[.contentType] == "application/problem+json")
                #expect(refused.headers[.retryAfter] == "1")
                #expect(refused.text.contains("inventory database"), "\(refused.text)")
                #expect(!refused.text.contains("SELECT") && !refused.text.contains("INSERT"), "no query leaks: \(refused.text)")

                // Back on the same address, with what it had committed.
                let restarted = try await cluster.start(port: server.url.port, logger: quietLogger)
                // The pool and the probe make new connections by themselves: no restart of the service.
                let healthy = try await Self.firstAnswer { try await client.execute(uri: "/health", method: .get) }
                #expect(healthy.status == .ok, "\(healthy.text)")
                let applied = try await Self.firstAnswer {
                    try await client.execute(
                        uri: "/deductions/k1", method: .put, headers: .service,
                        body: ByteBuffer(string: #"{"items": [{"sku": "SKU-A", "quantity": 3}]}"#))
                }
                #expect(applied.status == .created, "\(applied.text)")
                let product = try await client.execute(uri: "/products/SKU-A", method: .get)
                #expect(product.text.contains(#""stock":7"#), "the refused try deducted nothing: \(product.text)")
                return restarted
            }
            await restarted.stop()
        }
    }
}
