import Console
import Foundation
import HTTPTypes
import NIOHTTP1
import Testing
import WarehouseKit

@Suite("Console proxy: the rules, without a network")
struct ConsoleProxyTests {
    @Test(
        "an upstream URL joins the base, the path and the query",
        arguments: [
            ("http://127.0.0.1:8080", "/orders", "limit=10", "http://127.0.0.1:8080/orders?limit=10"),
            ("http://127.0.0.1:8080/", "/orders/a%20b", nil, "http://127.0.0.1:8080/orders/a%20b"),
            ("http://127.0.0.1:8080", "/products", "", "http://127.0.0.1:8080/products"),
        ])
    func upstreamURL(base: String, path: String, query: String?, expected: String) {
        #expect(ServiceEndpoint(name: .order, url: URL(string: base)!).url(path: path, query: query) == expected)
    }

    @Test("only the headers a service needs are passed on, plus the console's request id")
    func forwardedHeaders() {
        let fields: HTTPFields = [
            .contentType: "application/json", .idempotencyKey: "k-1", .authorization: "Bearer t", .cookie: "session=1",
            .requestID: "from-the-browser", .accept: "application/json", .connection: "keep-alive",
        ]
        let forwarded = ConsoleProxy.forwardedHeaders(fields, requestID: "console-id")
        let names = forwarded.map { $0.0.lowercased() }
        #expect(Set(names) == ["content-type", "idempotency-key", "authorization", "accept", "x-request-id"])
        #expect(forwarded.first { $0.0 == "X-Request-ID" }?.1 == "console-id")
    }

    @Test("answer headers: known ones kept, Location pointed into the console, never cached")
    func answerFields() {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Location", value: "/orders/o-1")
        headers.add(name: "Idempotent-Replayed", value: "true")
        headers.add(name: "Set-Cookie", value: "a=b")
        headers.add(name: "X-Request-ID", value: "upstream-id")
        let fields = ConsoleProxy.answerFields(headers)
        #expect(fields[.location] == "/api/orders/o-1")
        #expect(fields[.idempotentReplayed] == "true")
        #expect(fields[.contentType] == "application/json")
        #expect(fields[.setCookie] == nil)
        #expect(fields[.requestID] == nil)
        #expect(fields[.cacheControl] == "no-store")
    }

    @Test("a failed call becomes 502 or 504 problems that name the service")
    func problems() {
        let refused = ConsoleError.unreachable(service: "order", reason: "connection refused").problem
        #expect(refused.status == 502)
        #expect(refused.detail == "The console could not reach the order service: connection refused.")
        let slow = ConsoleError.timedOut(service: "inventory", milliseconds: 2000).problem
        #expect(slow.status == 504)
        #expect(slow.detail == "The inventory service did not answer within 2000 ms.")
    }

    @Test("a health tile lists the outputs of the checks that do not pass, worst first")
    func tile() throws {
        let report = HealthReport(
            status: .fail, serviceId: "inventory",
            checks: [
                "a:responseTime": [HealthCheckResult(componentType: "component", status: .warn, output: "a is slow")],
                "database:responseTime": [
                    HealthCheckResult(componentType: "datastore", status: .fail, output: "inventory database: locked")
                ],
                "c:responseTime": [HealthCheckResult(componentType: "component", status: .pass)],
            ])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let tile = HealthOverview.Tile(name: "inventory", httpStatus: 503, body: try encoder.encode(report), responseTimeMs: 3)
        #expect(tile.status == .fail)
        #expect(tile.reasons == ["inventory database: locked", "a is slow"])

        let garbage = HealthOverview.Tile(name: "order", httpStatus: 502, body: Data("<html>".utf8), responseTimeMs: 1)
        #expect(garbage.status == .fail)
        #expect(garbage.reasons == ["order answered HTTP 502 without a health report"])
    }
}
