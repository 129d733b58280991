import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Order
import Synchronization
import Testing
import WarehouseKit
import WarehouseTestSupport

/// `GET /stats/latency`: the order service's own 30-second window of order placements and its alert.
@Suite("Order API: latency window", .timeLimit(.minutes(3)))
struct LatencyStatsAPITests {
    struct Report: Decodable {
        struct Second: Decodable {
            var time: Int64
            var count: Int
            var averageMs: Double?
        }

        var measured: String
        var windowSeconds: Int
        var count: Int
        var averageMs: Double?
        var p99Ms: Double?
        var thresholdMs: Double
        var state: String
        var seriesSeconds: Int
        var series: [Second]
    }

    func withService(
        threshold: Duration = .seconds(1),
        _ body: @Sendable @escaping (any TestClientProtocol, LatencyWindow) async throws -> Void
    ) async throws {
        try await withOrderFixture { fixture in
            var configuration = OrderConfiguration(databaseURL: .sqlite(path: "/unused"), inventoryURL: URL(string: "http://127.0.0.1:9")!)
            configuration.latencyAlertThreshold = threshold
            let window = LatencyWindow()
            let service = OrderService(
                configuration: configuration, placement: fixture.flow.placement, repository: fixture.database,
                health: HealthMonitor(serviceId: "order", indicators: []), services: [], latencyWindow: window,
                logger: quietLogger)
            try await service.makeApplication().test(.router) { client in try await body(client, window) }
        }
    }

    @Test("order placements are measured; reads, health, metrics and the stats themselves are not")
    func measuresPlacementsOnly() async throws {
        // A threshold no placement reaches even on a starved machine: this test is about what is measured,
        // so the state must not depend on how fast the two placements happened to be.
        try await withService(threshold: .seconds(60)) { client, _ in
            #expect(try await client.postOrder().status == .created)
            #expect(try await client.postOrder(#"{"customerId": ""}"#).status == .unprocessableContent)
            for path in ["/orders", "/health", "/health/live", "/metrics", "/stats/latency", "/openapi.yaml", "/nowhere"] {
                _ = try await client.execute(uri: path, method: .get)
            }
            let response = try await client.execute(uri: "/stats/latency", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[.cacheControl] == "no-store")
            let report = try response.decode(Report.self)
            #expect(report.measured == "POST /orders")
            #expect(report.count == 2, "the shipped order and the refused one: both are placements a shopper waited on")
            #expect(report.windowSeconds == 30)
            #expect(report.thresholdMs == 60_000)
            #expect(report.state == "ok")
            #expect(report.seriesSeconds == 120)
            #expect(report.series.count == 120)
            #expect(report.series.map(\.count).reduce(0, +) == 2)
        }
    }

    @Test("every answer says how long the service took (Server-Timing), a refused one too")
    func answersCarryTheServiceTime() async throws {
        try await withService(threshold: .seconds(60)) { client, _ in
            for response in [try await client.postOrder(), try await client.postOrder(#"{"customerId": ""}"#)] {
                let total = response.headers[.serverTiming].flatMap(ServerTiming.totalMilliseconds(in:))
                #expect(total.map { $0 >= 0 } == true, "\(response.status): \(String(describing: response.headers[.serverTiming]))")
            }
        }
    }

    @Test("the alert is raised while the 30 s average exceeds the configured threshold")
    func alert() async throws {
        try await withService(threshold: .milliseconds(250)) { client, window in
            window.record(.milliseconds(300))
            let report = try await client.execute(uri: "/stats/latency?seconds=5", method: .get).decode(Report.self)
            #expect(report.state == "alert")
            #expect(report.thresholdMs == 250)
            #expect(report.averageMs == 300)
            #expect(report.series.count == 5)
        }
    }

    @Test("a bad ?seconds= is 400 problem+json", arguments: ["abc", "0", "301", "-5", "1.5"])
    func badSeconds(_ value: String) async throws {
        try await withService { client, _ in
            let response = try await client.execute(uri: "/stats/latency?seconds=\(value)", method: .get)
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try response.decode(ProblemBody.self).detail == "seconds: must be an integer from 1 to 300")
        }
    }

    @Test("other methods are 405 with Allow")
    func wrongMethod() async throws {
        try await withService { client, _ in
            let response = try await client.execute(uri: "/stats/latency", method: .post)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "GET, HEAD")
        }
    }

    @Test(
        "what counts as a placement",
        arguments: [
            (HTTPRequest.Method.post, "/orders", true), (.get, "/orders", false), (.get, "/orders/{id}", false),
            (.post, "unmatched", false), (.get, "/stats/latency", false),
        ])
    func placement(method: HTTPRequest.Method, route: String, counted: Bool) {
        let timing = RequestTiming(route: route, method: method, status: 201, duration: .milliseconds(5))
        #expect(OrderService.isOrderPlacement(timing) == counted)
    }
}
