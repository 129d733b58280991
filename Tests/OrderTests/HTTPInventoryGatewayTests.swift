import Foundation
import HTTPTypes
import OpenAPIRuntime
import Order
import Testing
import WarehouseKit

/// What the order service takes from inventory's answers: a recorded outcome only when it is about the
/// order's own lines, a refusal only when inventory refused the order (not the request), and always
/// with the service token.
@Suite("HTTP inventory gateway: which answers settle an order")
struct HTTPInventoryGatewayTests {
    /// Answers every call with `status` and `body`, and keeps the requests it was sent.
    final class StubTransport: ClientTransport, @unchecked Sendable {
        let status: HTTPResponse.Status
        let body: String
        private let lock = NSLock()
        private var seen: [HTTPRequest] = []

        init(status: HTTPResponse.Status, body: String) {
            self.status = status
            self.body = body
        }

        var requests: [HTTPRequest] { lock.withLock { seen } }

        func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
            lock.withLock { seen.append(request) }
            let contentType = (200..<300).contains(status.code) || status == .conflict ? "application/json" : "application/problem+json"
            return (HTTPResponse(status: status, headerFields: [.contentType: contentType]), HTTPBody(self.body))
        }
    }

    let token = BearerToken(String(repeating: "t", count: 40))
    let lines = [OrderLine(sku: "CONSOLE-PS5", quantity: 2), OrderLine(sku: "PAD-DUALSENSE", quantity: 1)]
    let deadline = ContinuousClock.now + .seconds(30)

    func gateway(_ status: HTTPResponse.Status, _ body: String) -> (HTTPInventoryGateway, StubTransport) {
        let transport = StubTransport(status: status, body: body)
        return (HTTPInventoryGateway(baseURL: URL(string: "http://127.0.0.1:1")!, transport: transport, token: token), transport)
    }

    func deduction(key: String = "order-1", outcome: String = "applied", items: [(String, Int)]) -> String {
        let lines = items.map { #"{"sku":"\#($0.0)","quantity":\#($0.1)}"# }.joined(separator: ",")
        return #"{"key":"\#(key)","outcome":"\#(outcome)","reason":"Not enough stock","items":[\#(lines)],"recordedAt":"2026-12-03T03:00:00Z"}"#
    }

    @Test("a record of the order's own lines, in any order and split any way, settles it; the call carries the service token")
    func aRecordOfTheOrdersOwnLinesSettlesIt() async throws {
        let (gateway, transport) = gateway(.ok, deduction(items: [("PAD-DUALSENSE", 1), ("CONSOLE-PS5", 1), ("CONSOLE-PS5", 1)]))
        #expect(try await gateway.recordedOutcome(key: "order-1", lines: lines, until: deadline) == .applied)
        #expect(transport.requests.first?.headerFields[.authorization] == token.authorization)
        let (deducting, _) = self.gateway(.created, deduction(items: [("CONSOLE-PS5", 2), ("PAD-DUALSENSE", 1)]))
        #expect(try await deducting.deduct(key: "order-1", lines: lines, until: deadline) == .applied)
    }

    @Test("a record under the order's key for other lines settles nothing, whatever its outcome")
    func aRecordOfOtherLinesIsDisputed() async throws {
        for outcome in ["applied", "rejected"] {
            let (gateway, _) = gateway(.ok, deduction(outcome: outcome, items: [("CONSOLE-PS5", 20)]))
            await #expect {
                _ = try await gateway.recordedOutcome(key: "order-1", lines: lines, until: deadline)
            } throws: { error in
                if case InventoryCallError.disputed = error { return true } else { return false }
            }
        }
        let (deducting, _) = gateway(.ok, deduction(items: [("CONSOLE-PS5", 2)]))
        await #expect {
            _ = try await deducting.deduct(key: "order-1", lines: lines, until: deadline)
        } throws: { error in
            if case InventoryCallError.disputed = error { return true } else { return false }
        }
    }

    @Test("a 422 (the key used for other lines, or a request inventory finds invalid) is no refusal of the order")
    func aRefusedRequestIsNoRefusalOfTheOrder() async throws {
        let problem = #"{"title":"Idempotency key reused","status":422,"detail":"Key order-1 was already used for different items."}"#
        let (gateway, _) = gateway(.unprocessableContent, problem)
        await #expect {
            _ = try await gateway.deduct(key: "order-1", lines: lines, until: deadline)
        } throws: { error in
            guard case InventoryCallError.disputed(let why) = error else { return false }
            return why.contains("already used for different items")
        }
        #expect(InventoryCallError.disputed("x").unavailability == .unavailable)
    }

    @Test("a refusal of the order's own lines rejects it, with inventory's reason")
    func aRefusalOfTheOrdersLinesRejectsIt() async throws {
        let (gateway, _) = gateway(.conflict, deduction(outcome: "rejected", items: [("CONSOLE-PS5", 2), ("PAD-DUALSENSE", 1)]))
        #expect(try await gateway.deduct(key: "order-1", lines: lines, until: deadline) == .rejected(reason: "Not enough stock"))
    }
}
