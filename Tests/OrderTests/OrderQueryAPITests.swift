import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("Order API: reading orders and platform routes", .timeLimit(.minutes(3)))
struct OrderQueryAPITests {
    @Test("GET /orders/{unknown} is 404 problem+json")
    func unknownOrder() async throws {
        try await withOrderService { client, _ in
            let response = try await client.execute(uri: "/orders/no-such-order", method: .get)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try response.decode(ProblemBody.self)
            #expect(problem.title == "Order not found")
            #expect(problem.detail == "No order has id no-such-order.")
        }
    }

    @Test(
        "GET /orders with a bad parameter is 400 problem+json",
        arguments: [
            "?limit=0", "?limit=501", "?limit=-1", "?limit=abc", "?status=bogus", "?status=SHIPPED",
            "?offset=-1", "?offset=9223372036854775808",
        ])
    func badParameters(_ query: String) async throws {
        try await withOrderService { client, _ in
            let response = try await client.execute(uri: "/orders\(query)", method: .get)
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try response.decode(ProblemBody.self).title == "Invalid parameter")
        }
    }

    @Test("GET /orders lists newest first, filters by status, honours limit")
    func listing() async throws {
        try await withOrderService(.applied) { client, fixture in
            var ids: [String] = []
            for customer in ["c-1", "c-2", "c-3"] {
                let response = try await client.postOrder(
                    #"{"customerId": "\#(customer)", "items": [{"sku": "A", "quantity": 1}]}"#)
                ids.append(try response.decode(OrderBody.self).id)
            }
            fixture.inventory.script(.rejected("Unknown SKU A."))
            let rejected = try await client.postOrder(#"{"customerId": "c-4", "items": [{"sku": "A", "quantity": 1}]}"#)
            let rejectedID = try rejected.decode(OrderBody.self).id

            #expect(try await client.listOrders().map(\.id) == [rejectedID] + ids.reversed())
            #expect(try await client.listOrders("?limit=2").map(\.id) == [rejectedID, ids[2]])
            #expect(try await client.listOrders("?status=shipped").map(\.id) == ids.reversed())
            #expect(try await client.listOrders("?status=rejected").map(\.id) == [rejectedID])
            #expect(try await client.listOrders("?status=pending&limit=500").isEmpty)
            #expect(try await client.listOrders("?offset=3").map(\.id) == [ids[0]])
            // The contract's largest offset: past every order, not an error.
            #expect(try await client.listOrders("?offset=9223372036854775807").isEmpty)
        }
    }

    @Test(
        "a wrong method is 405 with Allow",
        arguments: [
            ("/orders", HTTPRequest.Method.delete, ["GET", "HEAD", "POST"]),
            ("/orders/abc", .post, ["GET", "HEAD"]),
            ("/orders", .trace, ["GET", "HEAD", "POST"]),
        ])
    func wrongMethod(path: String, method: HTTPRequest.Method, allowed: [String]) async throws {
        try await withOrderService { client, _ in
            let response = try await client.execute(uri: path, method: method)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.contentType] == "application/problem+json")
            let allow = try #require(response.headers[.allow])
            #expect(allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.sorted() == allowed)
        }
    }

    @Test("an unknown path is 404 problem+json, with a request id")
    func unknownPath() async throws {
        try await withOrderService { client, _ in
            let response = try await client.execute(uri: "/order", method: .get, headers: [.requestID: "given-id"])
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.headers[.requestID] == "given-id")
        }
    }

    @Test("GET /health with no indicators is 200 pass")
    func health() async throws {
        try await withOrderService { client, _ in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/health+json")
            struct Report: Decodable { var status: String; var serviceId: String }
            let report = try response.decode(Report.self)
            #expect(report.status == "pass")
            #expect(report.serviceId == "order")
        }
    }

    @Test("GET /openapi.yaml returns the order contract")
    func openAPIDocument() async throws {
        try await withOrderService { client, _ in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(response.text.contains("operationId: createOrder"))
        }
    }
}
