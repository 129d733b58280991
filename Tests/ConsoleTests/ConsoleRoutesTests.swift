import Console
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WarehouseKit

/// The console in process, in front of a stub service on a real port.
@Suite("Console routes", .timeLimit(.minutes(3)))
struct ConsoleRoutesTests {
    @Test(
        "the page and its files are served, with a strict content security policy",
        arguments: [
            ("/", "text/html; charset=utf-8", "id=\"latency-alert\""),
            ("/console.js", "text/javascript; charset=utf-8", "/api/stats/latency"),
            ("/console.css", "text/css; charset=utf-8", "data-state=\"alert\""),
        ])
    func page(path: String, contentType: String, contains: String) async throws {
        try await withConsole { client in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == contentType)
            #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            #expect(response.text.contains(contains))
        }
    }

    @Test("GET /api/products is inventory's answer")
    func products() async throws {
        try await withConsole { client in
            let response = try await client.execute(uri: "/api/products", method: .get)
            #expect(response.status == .ok)
            struct List: Decodable { var products: [StubProduct] }
            #expect(try response.decode(List.self).products == [StubProduct(sku: "A-1", name: "Thing", stock: 3)])
        }
    }

    @Test("POST /api/orders passes body, type, idempotency key and the request id on, and the answer back")
    func placeOrder() async throws {
        try await withConsole { client in
            let response = try await client.execute(
                uri: "/api/orders", method: .post,
                headers: [
                    .contentType: "application/json", .idempotencyKey: "key-1", .cookie: "session=secret",
                    .requestID: "trace-42",
                ],
                body: ByteBuffer(string: #"{"customerId":"c-1"}"#))
            #expect(response.status == .created)
            #expect(response.headers[.location] == "/api/orders/o-1")
            #expect(response.headers[.idempotentReplayed] == "true")
            #expect(response.headers[.setCookie] == nil)
            #expect(response.headers[HTTPField.Name("X-Internal")!] == nil)
            #expect(response.headers[.requestID] == "trace-42")
            let seen = try response.decode(Seen.self)
            #expect(seen.method == "POST")
            #expect(seen.path == "/orders")
            #expect(seen.body == #"{"customerId":"c-1"}"#)
            #expect(seen.contentType == "application/json")
            #expect(seen.idempotencyKey == "key-1")
            #expect(seen.requestID == "trace-42")
            #expect(seen.cookie == nil)
        }
    }

    @Test("GET /api/orders passes the query on; GET /api/orders/{id} the id as it came")
    func queries() async throws {
        try await withConsole { client in
            let list = try await client.execute(uri: "/api/orders?status=pending&limit=5", method: .get).decode(Seen.self)
            #expect(list.path == "/orders")
            #expect(list.query == "status=pending&limit=5")
            let one = try await client.execute(uri: "/api/orders/a%20b", method: .get).decode(Seen.self)
            #expect(one.path == "/orders/a%20b")
            let latency = try await client.execute(uri: "/api/stats/latency?seconds=60", method: .get).decode(
                TierLatencyReport.self)
            #expect(latency.tier.measured == "query: seconds=60")
        }
    }

    @Test("a service's problem comes back as it was")
    func problemPassesThrough() async throws {
        try await withConsole { client in
            let response = try await client.execute(uri: "/api/orders/missing", method: .get)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try response.decode(ProblemBody.self).detail == "No order missing.")
        }
    }

    @Test("chaos switches forward the token the user typed; a wrong one is inventory's 401")
    func chaos() async throws {
        try await withConsole { client in
            let refused = try await client.execute(
                uri: "/api/admin/chaos", method: .put,
                headers: [.contentType: "application/json", .authorization: "Bearer wrong"],
                body: ByteBuffer(string: "{}"))
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(refused.headers[.wwwAuthenticate] == "Bearer")
            let applied = try await client.execute(
                uri: "/api/admin/chaos", method: .put,
                headers: [.contentType: "application/json", .authorization: "Bearer right"],
                body: ByteBuffer(string: #"{"gremlin":{"select":{"every":1}}}"#))
            #expect(applied.status == .ok)
            #expect(try applied.decode(Seen.self).authorization == "Bearer right")
        }
    }

    @Test(
        "the console's own bad inputs get problems",
        arguments: [
            ("/nowhere", HTTPRequest.Method.get, 404),
            ("/api/orders", .delete, 405),
            ("/api/products", .post, 405),
            ("/api/admin/chaos", .post, 405),
        ])
    func badInput(path: String, method: HTTPRequest.Method, status: Int) async throws {
        try await withConsole { client in
            let response = try await client.execute(uri: path, method: method)
            #expect(Int(response.status.code) == status)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try response.decode(ProblemBody.self).status == status)
        }
    }

    @Test("a body over the limit is 413 problem, and nothing is passed on")
    func tooLarge() async throws {
        try await withConsole { client in
            let response = try await client.execute(
                uri: "/api/orders", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: String(repeating: "x", count: 2048)))
            #expect(response.status == .contentTooLarge)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("GET /api/notifications: the notification service's inbox, query passed on as it came")
    func notifications() async throws {
        try await withConsole { client in
            let response = try await client.execute(uri: "/api/notifications?customerId=c%2042&after=7", method: .get)
            #expect(response.status == .ok)
            let seen = try response.decode(Seen.self)
            #expect(seen.method == "GET" && seen.path == "/notifications")
            #expect(seen.query == "customerId=c%2042&after=7")
            #expect(try await client.execute(uri: "/api/notifications", method: .post).status == .methodNotAllowed)
        }
    }

    @Test("a service nobody answers for is 502 problem naming it")
    func unreachable() async throws {
        try await withConsole(orderURL: URL(string: "http://127.0.0.1:9")!) { client in
            let response = try await client.execute(uri: "/api/orders", method: .get)
            #expect(response.status == .badGateway)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try response.decode(ProblemBody.self)
            #expect(problem.detail == "The console could not reach the order service: connection refused.")
        }
    }

    @Test("a service too slow for the console is 504 problem")
    func slow() async throws {
        try await withConsole(upstreamTimeout: .milliseconds(200)) { client in
            let response = try await client.execute(uri: "/api/products?slow=1", method: .get)
            #expect(response.status == .gatewayTimeout)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("the console's own checks wait as long as its health timeout says, not the indicator's default")
    func ownChecksFollowTheHealthTimeout() async throws {
        try await withConsole(orderPath: "slow") { client in
            let response = try await client.execute(uri: "/api/health", method: .get)
            let overview = try response.decode(HealthOverview.self)
            let console = try #require(overview.services.last)
            #expect(console.name == "console")
            #expect(console.reasons == [], "a second's answer is in time for a 30 s health timeout")
        }
    }

    @Test("GET /api/health: a tile per service with the reasons it does not pass")
    func health() async throws {
        try await withConsole(orderURL: URL(string: "http://127.0.0.1:9")!) { client in
            let response = try await client.execute(uri: "/api/health", method: .get)
            #expect(response.status == .ok)
            let overview = try response.decode(HealthOverview.self)
            #expect(overview.services.map(\.name) == ["order", "inventory", "notification", "console"])
            let order = overview.services[0]
            #expect(order.status == .fail)
            #expect(order.httpStatus == nil)
            #expect(order.reasons == ["order unreachable: connection refused"])
            let inventory = overview.services[1]
            #expect(inventory.status == .warn)
            #expect(inventory.reasons.count == 1)
            #expect(inventory.reasons.first?.hasPrefix("inventory unreachable: ") == true)
            #expect(overview.services[2].status == .warn, "\(overview.services[2])")
            let console = overview.services[3]
            #expect(console.status == .warn)
            #expect(console.reasons.count == 1)
            #expect(console.reasons.first?.hasPrefix("order unreachable: ") == true)
        }
    }
}
