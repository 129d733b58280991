import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import NIOCore
import Testing
import WarehouseKit
import WarehouseTestSupport

/// Bad request bodies are refused before anything is stored, with a problem that says why.
@Suite("Inventory API: request validation", .timeLimit(.minutes(3)))
struct InventoryRequestValidationTests {
    private static let validDeduction = #"{"items": [{"sku": "A", "quantity": 1}]}"#

    /// Sends `body` to PUT /deductions/k1 against a stock of 10 × A, and checks that nothing changed.
    private func deduct(
        headers: HTTPFields,
        body: ByteBuffer?,
        check: @escaping @Sendable (TestResponse) throws -> Void
    ) async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let response = try await client.execute(uri: "/deductions/k1", method: .put, headers: headers, body: body)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.headers[.requestID] != nil)
            try check(response)
            #expect(try await database.deduction(key: "k1") == nil)
            #expect(try await database.product(sku: "A")?.stock == 10)
        }
    }

    @Test("text/plain is 415", arguments: ["text/plain", "application/x-www-form-urlencoded", "application/jsonx"])
    func unsupportedMediaType(_ contentType: String) async throws {
        try await deduct(headers: [.contentType: contentType], body: ByteBuffer(json: Self.validDeduction)) { response throws in
            #expect(response.status == .unsupportedMediaType)
            #expect(try response.decode(ProblemBody.self).detail == "Send the body as application/json (got \(contentType)).")
        }
    }

    @Test("no Content-Type is 415")
    func missingContentType() async throws {
        try await deduct(headers: [:], body: ByteBuffer(json: Self.validDeduction)) { response throws in
            #expect(response.status == .unsupportedMediaType)
        }
    }

    @Test("application/json with a charset is accepted")
    func jsonWithCharset() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let response = try await client.execute(
                uri: "/deductions/k1", method: .put, headers: [.contentType: "Application/JSON; charset=utf-8"],
                body: ByteBuffer(json: Self.validDeduction)
            )
            #expect(response.status == .created)
        }
    }

    @Test("malformed JSON is 400")
    func malformedJSON() async throws {
        try await deduct(headers: .json, body: ByteBuffer(json: #"{"items": [{"sku": "A", "#)) { response throws in
            #expect(response.status == .badRequest)
            #expect(try response.decode(ProblemBody.self).title == "Malformed JSON")
        }
    }

    @Test("an empty body is 400")
    func emptyBody() async throws {
        try await deduct(headers: .json, body: nil) { response throws in
            #expect(response.status == .badRequest)
        }
    }

    @Test("a body over 64 KiB is 413")
    func bodyTooLarge() async throws {
        let padding = String(repeating: "x", count: 65 * 1024)
        let body = ByteBuffer(json: #"{"items": [{"sku": "A", "quantity": 1}], "padding": "\#(padding)"}"#)
        try await deduct(headers: .json, body: body) { response throws in
            #expect(response.status == .contentTooLarge)
            #expect(try response.decode(ProblemBody.self).detail == "The body must not exceed 65536 bytes.")
        }
    }

    @Test("422 lists every bad field of a deduction")
    func invalidDeduction() async throws {
        let body = ByteBuffer(
            json: #"{"items": [{"sku": "-bad", "quantity": 0}, {"quantity": "x"}, {"sku": "A", "quantity": 1.5}]}"#)
        try await deduct(headers: .json, body: body) { response throws in
            #expect(response.status == .unprocessableContent)
            let problem = try response.decode(ProblemBody.self)
            #expect(problem.title == "Invalid request")
            #expect(
                problem.errors == [
                    .init(pointer: "/items/0/sku", detail: "must match \(SKU.patternText)"),
                    .init(pointer: "/items/0/quantity", detail: "must be between 1 and 1000"),
                    .init(pointer: "/items/1/sku", detail: "is required"),
                    .init(pointer: "/items/1/quantity", detail: "must be an integer"),
                    .init(pointer: "/items/2/quantity", detail: "must be an integer"),
                ])
        }
    }

    @Test("422 for an empty item list and a missing one")
    func emptyItems() async throws {
        try await deduct(headers: .json, body: ByteBuffer(json: #"{"items": []}"#)) { response throws in
            #expect(response.status == .unprocessableContent)
            #expect(try response.decode(ProblemBody.self).errors == [.init(pointer: "/items", detail: "must not be empty")])
        }
        try await deduct(headers: .json, body: ByteBuffer(json: "{}")) { response throws in
            #expect(response.status == .unprocessableContent)
            #expect(try response.decode(ProblemBody.self).errors == [.init(pointer: "/items", detail: "is required")])
        }
    }

    @Test("422 lists every bad field of a product update, and nothing is stored")
    func invalidProduct() async throws {
        try await withInventoryService { client, database in
            let response = try await client.execute(
                uri: "/products/A", method: .put, headers: .admin, body: ByteBuffer(json: #"{"name": "", "stock": -1}"#)
            )
            #expect(response.status == .unprocessableContent)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(
                try response.decode(ProblemBody.self).errors == [
                    .init(pointer: "/name", detail: "must not be empty"),
                    .init(pointer: "/stock", detail: "must be between 0 and 1000000000"),
                ])
            #expect(try await database.products().isEmpty)
        }
    }

    /// Found by schemathesis: null stood for "left out", so `delayMs: null` quietly meant the default.
    @Test("null for an optional chaos field is 422, and the settings in force stay")
    func nullChaosField() async throws {
        try await withInventoryService { client, _ in
            let body = ByteBuffer(json: #"{"gremlin": {"select": {"every": 2}, "delayMs": null}, "errorAfterCommit": {"fraction": null}}"#)
            let response = try await client.execute(uri: "/admin/chaos", method: .put, headers: .admin, body: body)
            #expect(response.status == .unprocessableContent)
            #expect(
                try response.decode(ProblemBody.self).errors == [
                    .init(pointer: "/gremlin/delayMs", detail: "must be an integer"),
                    .init(pointer: "/errorAfterCommit/fraction", detail: "must be a number"),
                ])
            let inForce = try await client.execute(uri: "/admin/chaos", method: .get, headers: .admin)
            #expect(!inForce.text.contains("every"))
        }
    }

    @Test("a product update sent as text/plain is 415 and stores nothing")
    func productAsText() async throws {
        try await withInventoryService { client, database in
            var headers = HTTPFields.admin
            headers[.contentType] = "text/plain"
            let response = try await client.execute(
                uri: "/products/A", method: .put, headers: headers, body: ByteBuffer(json: #"{"name": "Apple", "stock": 1}"#)
            )
            #expect(response.status == .unsupportedMediaType)
            #expect(try await database.products().isEmpty)
        }
    }
}
