import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

/// Bad orders are refused with a problem that says why, and never stored or sent to inventory.
@Suite("Order API: request validation", .timeLimit(.minutes(3)))
struct OrderRequestValidationTests {
    private func post(
        _ body: ByteBuffer?,
        headers: HTTPFields = .json,
        check: @escaping @Sendable (TestResponse) throws -> Void
    ) async throws {
        try await withOrderService(.applied) { client, fixture in
            let response = try await client.execute(uri: "/orders", method: .post, headers: headers, body: body)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.headers[.requestID] != nil)
            let problem = try response.decode(ProblemBody.self)
            #expect(problem.status == Int(response.status.code))
            #expect(problem.instance == "/orders")
            try check(response)
            #expect(try await client.listOrders().isEmpty)
            #expect(try await fixture.database.orders(status: nil, limit: 10).isEmpty)
            #expect(fixture.inventory.calls.isEmpty)
        }
    }

    @Test("415 for a body that is not JSON", arguments: ["text/plain", "application/xml"])
    func unsupportedMediaType(_ contentType: String) async throws {
        try await post(ByteBuffer(string: orderJSON), headers: [.contentType: contentType]) { response throws in
            #expect(response.status == .unsupportedMediaType)
        }
    }

    @Test("415 without a Content-Type")
    func missingContentType() async throws {
        try await post(ByteBuffer(string: orderJSON), headers: [:]) { response throws in
            #expect(response.status == .unsupportedMediaType)
            #expect(
                try response.decode(ProblemBody.self).detail == "Send the body as application/json (no Content-Type was sent).")
        }
    }

    @Test("400 for malformed JSON", arguments: [#"{"customerId": "c-42", "items": ["#, "not json", "{'a': 1}"])
    func malformedJSON(_ text: String) async throws {
        try await post(ByteBuffer(string: text)) { response throws in
            #expect(response.status == .badRequest)
            #expect(try response.decode(ProblemBody.self).title == "Malformed JSON")
        }
    }

    /// Found by probing a running system: the validator read the last `customerId`, the generated
    /// decoder the first, so an empty customer id and a line of quantity 0 were stored.
    @Test(
        "400 for a property given twice, whichever copy is the bad one",
        arguments: [
            #"{"customerId": "", "customerId": "c-42", "items": [{"sku": "A", "quantity": 1}]}"#,
            #"{"customerId": "c-42", "items": [{"sku": "no!", "quantity": 0}], "items": [{"sku": "A", "quantity": 1}]}"#,
            #"{"customerId": "c-42", "items": [{"sku": "A", "quantity": 0, "quantity": 1}]}"#,
        ])
    func repeatedProperty(_ text: String) async throws {
        try await post(ByteBuffer(string: text)) { response throws in
            #expect(response.status == .badRequest)
            #expect(try response.decode(ProblemBody.self).detail?.contains("appears twice") == true)
        }
    }

    @Test("400 for an empty body")
    func emptyBody() async throws {
        try await post(nil) { response throws in
            #expect(response.status == .badRequest)
        }
    }

    @Test("413 for a body over 64 KiB")
    func bodyTooLarge() async throws {
        let customer = String(repeating: "x", count: 70 * 1024)
        let text = #"{"customerId": "\#(customer)", "items": [{"sku": "A", "quantity": 1}]}"#
        try await post(ByteBuffer(string: text)) { response throws in
            #expect(response.status == .contentTooLarge)
        }
    }

    @Test("422 lists every bad field")
    func everyFieldListed() async throws {
        let text = #"""
            {"customerId": "   ", "items": [
                {"sku": "bad sku", "quantity": 1001},
                {"sku": "OK-1"},
                {"sku": 7, "quantity": 2.5},
                {"sku": "OK-2", "quantity": 0}
            ]}
            """#
        try await post(ByteBuffer(string: text)) { response throws in
            #expect(response.status == .unprocessableContent)
            let problem = try response.decode(ProblemBody.self)
            #expect(problem.title == "Invalid request")
            #expect(
                problem.errors == [
                    .init(pointer: "/customerId", detail: "must match printable text that is not blank"),
                    .init(pointer: "/items/0/sku", detail: "must match \(SKU.patternText)"),
                    .init(pointer: "/items/0/quantity", detail: "must be between 1 and 1000"),
                    .init(pointer: "/items/1/quantity", detail: "is required"),
                    .init(pointer: "/items/2/sku", detail: "must be a string"),
                    .init(pointer: "/items/2/quantity", detail: "must be an integer"),
                    .init(pointer: "/items/3/quantity", detail: "must be between 1 and 1000"),
                ])
        }
    }

    @Test("422 for missing fields, and for a body that is not an object")
    func missingFields() async throws {
        try await post(ByteBuffer(string: "{}")) { response throws in
            #expect(response.status == .unprocessableContent)
            #expect(
                try response.decode(ProblemBody.self).errors == [
                    .init(pointer: "/customerId", detail: "is required"),
                    .init(pointer: "/items", detail: "is required"),
                ])
        }
        try await post(ByteBuffer(string: "[]")) { response throws in
            #expect(response.status == .unprocessableContent)
            #expect(try response.decode(ProblemBody.self).errors == [.init(pointer: "/", detail: "must be an object")])
        }
    }

    @Test("422 for too many items and for an over-long customer id")
    func sizes() async throws {
        let line = #"{"sku": "A", "quantity": 1}"#
        let items = Array(repeating: line, count: 51).joined(separator: ",")
        let customer = String(repeating: "c", count: 129)
        try await post(ByteBuffer(string: #"{"customerId": "\#(customer)", "items": [\#(items)]}"#)) { response throws in
            #expect(response.status == .unprocessableContent)
            #expect(
                try response.decode(ProblemBody.self).errors == [
                    .init(pointer: "/customerId", detail: "must have at most 128 characters"),
                    .init(pointer: "/items", detail: "must have at most 50 items"),
                ])
        }
    }
}
