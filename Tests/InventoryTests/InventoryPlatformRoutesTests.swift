import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import NIOCore
import Testing
import WarehouseKit
import WarehouseTestSupport

/// What every route shares: 404/405 problems, request ids, the OpenAPI document, health.
@Suite("Inventory API: platform routes", .timeLimit(.minutes(3)))
struct InventoryPlatformRoutesTests {
    @Test("an unknown path is 404 problem+json")
    func unknownPath() async throws {
        try await withInventoryService { client, _ in
            let response = try await client.execute(uri: "/nowhere", method: .get)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try response.decode(ProblemBody.self)
            #expect(problem.status == 404)
            #expect(problem.instance == "/nowhere")
        }
    }

    @Test(
        "a wrong method is 405 with Allow",
        arguments: [
            ("/products/A", HTTPRequest.Method.delete, ["GET", "HEAD", "PUT"]),
            ("/products", .post, ["GET", "HEAD"]),
            ("/deductions/k1", .post, ["GET", "HEAD", "PUT"]),
            ("/health", .delete, ["GET", "HEAD"]),
            ("/openapi.yaml", .put, ["GET", "HEAD"]),
            ("/products", .trace, ["GET", "HEAD"]),
            ("/products/A", HTTPRequest.Method("QUERY")!, ["GET", "HEAD", "PUT"]),
            ("/admin/chaos", .options, ["GET", "HEAD", "PUT"]),
        ])
    func wrongMethod(path: String, method: HTTPRequest.Method, allowed: [String]) async throws {
        try await withInventoryService { client, _ in
            let response = try await client.execute(uri: path, method: method)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.contentType] == "application/problem+json")
            let allow = try #require(response.headers[.allow])
            #expect(allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.sorted() == allowed)
            #expect(response.headers[.requestID] != nil)
        }
    }

    /// 405 answers advertise `Allow: GET, HEAD` for every GET route, so HEAD must be served there.
    @Test("HEAD is served where GET is, as the Allow header promises", arguments: ["/products", "/health", "/openapi.yaml"])
    func head(_ path: String) async throws {
        try await withInventoryService { client, _ in
            let response = try await client.execute(uri: path, method: .head)
            #expect(response.status == .ok)
        }
    }

    @Test(
        "every response carries a fresh X-Request-ID",
        arguments: [
            ("/products", HTTPRequest.Method.get), ("/nowhere", .get), ("/products/A", .delete), ("/products/A", .put),
            ("/health", .get), ("/openapi.yaml", .get),
        ])
    func requestIDGenerated(path: String, method: HTTPRequest.Method) async throws {
        try await withInventoryService { client, _ in
            let first = try await client.execute(uri: path, method: method)
            let second = try await client.execute(uri: path, method: method)
            let firstID = try #require(first.headers[.requestID])
            let secondID = try #require(second.headers[.requestID])
            #expect(firstID != secondID)
            #expect(RequestID.accept(firstID) == firstID)
        }
    }

    @Test("a given X-Request-ID is echoed, also on errors")
    func requestIDEchoed() async throws {
        try await withInventoryService { client, _ in
            for (path, method) in [("/products", HTTPRequest.Method.get), ("/nowhere", .get), ("/products/A", .put)] {
                let response = try await client.execute(uri: path, method: method, headers: [.requestID: "trace-me-42"])
                #expect(response.headers[.requestID] == "trace-me-42", "\(method) \(path)")
            }
        }
    }

    @Test("an unfit X-Request-ID is replaced")
    func requestIDReplaced() async throws {
        try await withInventoryService { client, _ in
            let long = String(repeating: "x", count: 129)
            let response = try await client.execute(uri: "/products", method: .get, headers: [.requestID: long])
            let id = try #require(response.headers[.requestID])
            #expect(id != long)
        }
    }

    @Test("GET /openapi.yaml returns the contract")
    func openAPIDocument() async throws {
        let source = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Inventory/openapi.yaml")
        let expected = try String(contentsOf: source, encoding: .utf8)
        try await withInventoryService { client, _ in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(response.text == expected)
            #expect(response.text.contains("operationId: deductStock"))
        }
    }

    @Test("GET /health is 200 application/health+json, status pass", arguments: ["/health", "/health/ready", "/health/live"])
    func health(_ path: String) async throws {
        try await withInventoryService { client, _ in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers[.contentType] == "application/health+json")
            #expect(response.headers[.cacheControl] == "no-store")
            struct Report: Decodable { var status: String; var serviceId: String; var checks: [String: [Check]] }
            struct Check: Decodable { var status: String; var output: String? }
            let report = try response.decode(Report.self)
            #expect(report.status == "pass")
            #expect(report.serviceId == "inventory")
            if path != "/health/live" {
                #expect(report.checks["database:responseTime"]?.first?.status == "pass")
            }
        }
    }

    @Test("GET /health is 503 fail when the database file is gone")
    func healthFailsWithoutDatabase() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("inventory.sqlite").path
            var configuration = InventoryConfiguration(databaseURL: .sqlite(path: path), adminToken: AdminToken(adminToken))
            configuration.healthTimeout = healthTimeout
            let service = try await InventoryService.live(configuration: configuration, logger: quietLogger)
            let app = try service.makeApplication()
            try await app.test(.router) { client in
                let healthy = try await client.execute(uri: "/health", method: .get)
                #expect(healthy.status == .ok, "\(healthy.text)")
                try FileManager.default.removeItem(atPath: path)
                let response = try await client.execute(uri: "/health", method: .get)
                #expect(response.status == .serviceUnavailable)
                struct Report: Decodable { var status: String; var checks: [String: [Check]] }
                struct Check: Decodable { var status: String; var output: String? }
                let report = try response.decode(Report.self)
                #expect(report.status == "fail")
                #expect(report.checks["database:responseTime"]?.first?.output == "inventory database: file \(path) is missing")
                // Liveness does not depend on the database.
                #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
            }
        }
    }

    @Test("InventoryService.live seeds the demo catalogue when asked")
    func liveSeeds() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = InventoryConfiguration(
                databaseURL: .sqlite(path: directory.appendingPathComponent("inventory.sqlite").path),
                adminToken: AdminToken(adminToken)
            )
            configuration.seedDemoCatalogue = true
            let service = try await InventoryService.live(configuration: configuration, logger: quietLogger)
            let app = try service.makeApplication()
            try await app.test(.router) { client in
                struct List: Decodable { var products: [ProductBody] }
                let list = try await client.execute(uri: "/products", method: .get)
                #expect(try list.decode(List.self).products.count == DemoCatalogue.products.count)
            }
        }
    }

    /// `warehouse up`, the lab and the system tests wait for services with this probe: a port picked
    /// for one service may be answered by another system's, which must not count.
    @Test("the readiness probe takes inventory's /health/ready for inventory only")
    func readinessProbe() async throws {
        try await withInventoryService(.live) { client, _ in
            let port = try #require(client.port)
            let url = try #require(URL(string: "http://localhost:\(port)"))
            #expect(await ReadinessProbe.ready.succeeds(for: ServiceEndpoint(name: .inventory, url: url), timeout: .seconds(30)))
            #expect(await !ReadinessProbe.ready.succeeds(for: ServiceEndpoint(name: .order, url: url), timeout: .seconds(30)))
        }
    }
}
