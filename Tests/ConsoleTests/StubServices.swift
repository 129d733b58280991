import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WarehouseKit

let quietLogger = Logger(label: "console-tests") { _ in SwiftLogNoOpLogHandler() }

/// What the stub saw of a request passed on by the console.
struct Seen: Codable, Equatable {
    var method: String
    var path: String
    var query: String?
    var contentType: String?
    var idempotencyKey: String?
    var authorization: String?
    var requestID: String?
    var cookie: String?
    var body: String
}

/// One stub standing in for order, inventory and notification: it answers the paths the console passes on to,
/// echoing what it was sent, so a test sees exactly what crossed the wire.
func makeStubRouter() -> Router<BasicRequestContext> {
    let router = Router()
    @Sendable func seen(_ request: Request) async throws -> Seen {
        var request = request
        let body = try await request.collectBody(upTo: 1024 * 1024)
        return Seen(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            contentType: request.headers[.contentType], idempotencyKey: request.headers[.idempotencyKey],
            authorization: request.headers[.authorization], requestID: request.headers[.requestID],
            cookie: request.headers[.cookie], body: String(buffer: body))
    }
    @Sendable func json<Value: Encodable & Sendable>(
        _ status: HTTPResponse.Status, _ value: Value, headers: HTTPFields = [:]
    ) throws -> Response {
        var fields = headers
        fields[.contentType] = fields[.contentType] ?? "application/json"
        return Response(
            status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
    }
    router.get("/products") { request, _ in
        if request.uri.queryParameters["slow"] != nil { try await Task.sleep(for: .seconds(5)) }
        return try json(.ok, ["products": [StubProduct(sku: "A-1", name: "Thing", stock: 3)]])
    }
    router.post("/orders") { request, _ in
        try json(
            .created, try await seen(request),
            headers: [
                .location: "/orders/o-1", .idempotentReplayed: "true", .setCookie: "secret=1",
                HTTPField.Name("X-Internal")!: "not for the page",
            ])
    }
    router.get("/orders") { request, _ in try json(.ok, try await seen(request)) }
    router.get("/orders/{id}") { request, context in
        let id = try context.parameters.require("id")
        if id == "missing" {
            return try json(
                .notFound, Problem(title: "Not found", status: 404, detail: "No order missing."),
                headers: [.contentType: "application/problem+json"])
        }
        return try json(.ok, try await seen(request))
    }
    // A window whose `measured` says which query reached it.
    router.get("/stats/latency") { request, _ in
        var report = latencyReport(count: 3, averageMs: 12)
        report.measured = "query: \(request.uri.query ?? "")"
        return try json(.ok, report)
    }
    router.get("/notifications") { request, _ in try json(.ok, try await seen(request)) }
    router.put("/admin/chaos") { request, _ in
        guard request.headers[.authorization] == "Bearer right" else {
            return try json(
                .unauthorized, Problem(title: "Unauthorized", status: 401, detail: "The admin token is not valid."),
                headers: [.contentType: "application/problem+json", .wwwAuthenticate: "Bearer"])
        }
        return try json(.ok, try await seen(request))
    }
    router.get("/health") { _, _ in
        let report = HealthReport(
            status: .warn, serviceId: "stub",
            checks: [
                "database:responseTime": [
                    HealthCheckResult(componentType: "datastore", observedValue: 1, observedUnit: "ms", status: .pass)
                ],
                "inventory:responseTime": [
                    HealthCheckResult(
                        componentType: "component", status: .warn, output: "inventory unreachable: connection refused")
                ],
            ])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: .ok, headers: [.contentType: "application/health+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(report))))
    }
    router.get("/health/live") { _, _ in "{}" }
    // A service that is alive but slow to say so: past the 700 ms an indicator waits by default.
    router.get("/slow/health/live") { _, _ in
        try await Task.sleep(for: .seconds(1))
        return "{}"
    }
    return router
}

struct StubProduct: Codable, Sendable, Equatable {
    var sku: String
    var name: String
    var stock: Int
}

/// Runs the stub on a free port and the console in process in front of it (or in front of `orderURL`
/// when given, such as a port nobody listens on).
/// - Parameter orderPath: where on the stub the order service lives, when `orderURL` is not given
///   (`/slow`: its `/health/live` takes a second).
func withConsole(
    orderURL: URL? = nil,
    orderPath: String = "",
    upstreamTimeout: Duration = .seconds(10),
    orderInstances: [URL] = [],
    _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void
) async throws {
    let stub = Application(
        router: makeStubRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger)
    try await stub.test(.live) { stubClient in
        let port = try #require(stubClient.port)
        let stubURL = URL(string: "http://127.0.0.1:\(port)")!
        var configuration = ConsoleConfiguration(upstreams: [
            ServiceEndpoint(name: .order, url: orderURL ?? (orderPath.isEmpty ? stubURL : stubURL.appendingPathComponent(orderPath))), ServiceEndpoint(name: .inventory, url: stubURL),
            ServiceEndpoint(name: .notification, url: stubURL),
        ])
        configuration.upstreamTimeout = upstreamTimeout
        configuration.orderInstances = orderInstances
        // A hang guard, not a clock: the stubs answer at once.
        configuration.instanceTimeout = .seconds(60)
        configuration.bodyLimit = 1024
        // Generous, so a loaded machine cannot turn a check that answers into a timeout: a CI run with
        // 600 tests on two cores once saw the stub's /health unanswered after 30 s. The suite's time limit
        // still ends a hang.
        configuration.healthTimeout = .seconds(60)
        // The client the console runs with. The shared one retried refused connections for its 10 s
        // connect timeout on a port nobody listens on: the console suite took 33 s instead of 5.
        let httpClient = ConsoleService.makeHTTPClient()
        let console = try ConsoleService(configuration: configuration, httpClient: httpClient, logger: quietLogger)
        do {
            try await console.makeApplication().test(.router) { client in try await body(client) }
        } catch {
            try await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body.readableBytesView))
    }

    var text: String { String(buffer: body) }
}

struct ProblemBody: Decodable {
    var title: String
    var status: Int
    var detail: String?
}
