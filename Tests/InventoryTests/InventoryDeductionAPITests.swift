import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import NIOCore
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("Inventory API: deductions", .timeLimit(.minutes(3)))
struct InventoryDeductionAPITests {
    @Test("PUT /deductions/{key}: 201, then 200 with Idempotent-Replayed: true, stock deducted once")
    func deductThenReplay() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let body = ByteBuffer(json: #"{"items": [{"sku": "A", "quantity": 3}]}"#)

            let first = try await client.execute(uri: "/deductions/order-1", method: .put, headers: .json, body: body)
            #expect(first.status == .created)
            #expect(first.headers[.idempotentReplayed] == nil)
            let recorded = try first.decode(DeductionBody.self)
            #expect(recorded.key == "order-1")
            #expect(recorded.outcome == "applied")
            #expect(recorded.items == [.init(sku: "A", quantity: 3)])
            #expect(recorded.reason == nil)

            let second = try await client.execute(uri: "/deductions/order-1", method: .put, headers: .json, body: body)
            #expect(second.status == .ok)
            #expect(second.headers[.idempotentReplayed] == "true")
            let replayed = try second.decode(DeductionBody.self)
            #expect(replayed.key == recorded.key)
            #expect(replayed.outcome == recorded.outcome)
            #expect(replayed.items == recorded.items)
            #expect(replayed.recordedAt == recorded.recordedAt)
            #expect(try await database.product(sku: "A")?.stock == 7)

            let lookup = try await client.execute(uri: "/deductions/order-1", method: .get)
            #expect(lookup.status == .ok)
            #expect(try lookup.decode(DeductionBody.self).outcome == "applied")
        }
    }

    @Test("insufficient stock is 409 with the refusal, recorded and replayed")
    func insufficientStock() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 2))
            let body = ByteBuffer(json: #"{"items": [{"sku": "A", "quantity": 3}]}"#)

            let refused = try await client.execute(uri: "/deductions/order-1", method: .put, headers: .json, body: body)
            #expect(refused.status == .conflict)
            #expect(refused.headers[.contentType] == "application/json; charset=utf-8")
            #expect(refused.headers[.idempotentReplayed] == nil)
            let deduction = try refused.decode(DeductionBody.self)
            #expect(deduction.outcome == "rejected")
            #expect(deduction.sku == "A")
            #expect(deduction.reason == "Not enough stock for A: 3 requested, 2 available.")
            #expect(try await database.product(sku: "A")?.stock == 2)

            let replay = try await client.execute(uri: "/deductions/order-1", method: .put, headers: .json, body: body)
            #expect(replay.status == .conflict)
            #expect(replay.headers[.idempotentReplayed] == "true")
            #expect(try replay.decode(DeductionBody.self).reason == deduction.reason)
        }
    }

    @Test("an unknown SKU is 409 naming it")
    func unknownSKU() async throws {
        try await withInventoryService { client, _ in
            let response = try await client.execute(
                uri: "/deductions/order-1", method: .put, headers: .json,
                body: ByteBuffer(json: #"{"items": [{"sku": "GHOST", "quantity": 1}]}"#)
            )
            #expect(response.status == .conflict)
            #expect(try response.decode(DeductionBody.self).sku == "GHOST")
        }
    }

    @Test("the same key with other items is 422 and changes nothing")
    func keyReused() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            _ = try await client.execute(
                uri: "/deductions/order-1", method: .put, headers: .json,
                body: ByteBuffer(json: #"{"items": [{"sku": "A", "quantity": 3}]}"#)
            )
            let reused = try await client.execute(
                uri: "/deductions/order-1", method: .put, headers: .json,
                body: ByteBuffer(json: #"{"items": [{"sku": "A", "quantity": 4}]}"#)
            )
            #expect(reused.status == .unprocessableContent)
            #expect(reused.headers[.contentType] == "application/problem+json")
            #expect(try reused.decode(ProblemBody.self).title == "Idempotency key reused")
            #expect(try await database.product(sku: "A")?.stock == 7)
        }
    }

    @Test("GET /deductions/{unknown} is 404")
    func unknownDeduction() async throws {
        try await withInventoryService { client, _ in
            let response = try await client.execute(uri: "/deductions/nothing-here", method: .get)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("while an every-n-th rule counts keys, a deduction carries its key's ordinal; without one it has none")
    func ordinals() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let line = ByteBuffer(json: #"{"items": [{"sku": "A", "quantity": 1}]}"#)
            func deduct(_ key: String) async throws -> DeductionBody {
                try await client.execute(uri: "/deductions/\(key)", method: .put, headers: .json, body: line)
                    .decode(DeductionBody.self)
            }
            func lookUp(_ key: String) async throws -> DeductionBody {
                try await client.execute(uri: "/deductions/\(key)", method: .get).decode(DeductionBody.self)
            }

            #expect(try await deduct("uncounted").ordinal == nil)
            // Every 1000th key: counts every key, delays none of these.
            let chaos = ByteBuffer(json: #"{"gremlin": {"select": {"every": 1000}}}"#)
            #expect(try await client.execute(uri: "/admin/chaos", method: .put, headers: .admin, body: chaos).status == .ok)

            #expect(try await deduct("first").ordinal == 1)
            #expect(try await deduct("second").ordinal == 2)
            #expect(try await deduct("first").ordinal == 1, "a replay keeps its place")
            #expect(try await lookUp("second").ordinal == 2)
            #expect(try await lookUp("uncounted").ordinal == nil, "deducted before any rule counted")
        }
    }

    @Test("a quantity written 2.0 is an integer all the way through")
    func integralNumber() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let response = try await client.execute(
                uri: "/deductions/k1", method: .put, headers: .json,
                body: ByteBuffer(json: #"{"items": [{"sku": "A", "quantity": 2.0}]}"#)
            )
            #expect(response.status == .created)
            #expect(try response.decode(DeductionBody.self).items == [.init(sku: "A", quantity: 2)])
            #expect(try await database.product(sku: "A")?.stock == 8)
        }
    }

    /// The contract gives the key `maxLength: 255`; the generated server does not check path parameter
    /// lengths, so the handler must, before anything is recorded.
    @Test("a key longer than the contract's 255 characters is refused")
    func overlongKey() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let key = String(repeating: "k", count: 300)
            let response = try await client.execute(
                uri: "/deductions/\(key)", method: .put, headers: .json,
                body: ByteBuffer(json: #"{"items": [{"sku": "A", "quantity": 1}]}"#)
            )
            let recorded = try await database.deduction(key: key)
            #expect((400..<500).contains(response.status.code))
            #expect(recorded == nil)
        }
    }
}
