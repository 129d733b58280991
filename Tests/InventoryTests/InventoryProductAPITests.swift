import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import NIOCore
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("Inventory API: products", .timeLimit(.minutes(3)))
struct InventoryProductAPITests {
    let body = ByteBuffer(json: #"{"name": "PlayStation 5 console", "stock": 25}"#)

    @Test("PUT without a token is 401 problem+json and stores nothing")
    func putWithoutToken() async throws {
        let body = self.body
        try await withInventoryService { client, database in
            let response = try await client.execute(uri: "/products/CONSOLE-PS5", method: .put, headers: .json, body: body)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
            let problem = try response.decode(ProblemBody.self)
            #expect(problem.status == 401)
            #expect(problem.instance == "/products/CONSOLE-PS5")
            #expect(try await database.product(sku: "CONSOLE-PS5") == nil)
            let lookup = try await client.execute(uri: "/products/CONSOLE-PS5", method: .get)
            #expect(lookup.status == .notFound)
        }
    }

    @Test(
        "PUT with a wrong token is 401 and stores nothing",
        arguments: ["Bearer wrong", "Bearer ", "Basic \(adminToken)", adminToken])
    func putWithWrongToken(_ authorization: String) async throws {
        let body = self.body
        try await withInventoryService { client, database in
            var headers = HTTPFields.json
            headers[.authorization] = authorization
            let response = try await client.execute(uri: "/products/CONSOLE-PS5", method: .put, headers: headers, body: body)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try response.decode(ProblemBody.self).title == "Unauthorized")
            #expect(try await database.products().isEmpty)
        }
    }

    @Test("the token is checked before the body")
    func authBeforeValidation() async throws {
        try await withInventoryService { client, _ in
            let response = try await client.execute(
                uri: "/products/CONSOLE-PS5", method: .put, headers: .json, body: ByteBuffer(json: #"{"name": ""}"#)
            )
            #expect(response.status == .unauthorized)
        }
    }

    @Test("PUT with the right token: 201 created, then 200 updated")
    func putWithToken() async throws {
        let body = self.body
        try await withInventoryService { client, database in
            let created = try await client.execute(uri: "/products/CONSOLE-PS5", method: .put, headers: .admin, body: body)
            #expect(created.status == .created)
            #expect(created.headers[.contentType] == "application/json; charset=utf-8")
            #expect(
                try created.decode(ProductBody.self) == ProductBody(sku: "CONSOLE-PS5", name: "PlayStation 5 console", stock: 25))

            let updated = try await client.execute(
                uri: "/products/CONSOLE-PS5", method: .put, headers: .admin,
                body: ByteBuffer(json: #"{"name": "PS5", "stock": 3}"#)
            )
            #expect(updated.status == .ok)
            #expect(try updated.decode(ProductBody.self) == ProductBody(sku: "CONSOLE-PS5", name: "PS5", stock: 3))
            #expect(try await database.product(sku: "CONSOLE-PS5") == Product(sku: "CONSOLE-PS5", name: "PS5", stock: 3))

            let fetched = try await client.execute(uri: "/products/CONSOLE-PS5", method: .get)
            #expect(fetched.status == .ok)
            #expect(try fetched.decode(ProductBody.self).stock == 3)
        }
    }

    @Test("GET /products lists every product by SKU; an unknown SKU is 404")
    func listAndGet() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "B", name: "Bee", stock: 2))
            _ = try await database.upsert(Product(sku: "A", name: "Ay", stock: 1))
            struct List: Decodable { var products: [ProductBody] }
            let list = try await client.execute(uri: "/products", method: .get)
            #expect(list.status == .ok)
            #expect(try list.decode(List.self).products.map(\.sku) == ["A", "B"])

            let missing = try await client.execute(uri: "/products/NOPE", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(try missing.decode(ProblemBody.self).detail == "No product has SKU NOPE.")
        }
    }

    @Test("a SKU that breaks the pattern is 422 and stores nothing")
    func invalidSKUInPath() async throws {
        let body = self.body
        try await withInventoryService { client, database in
            let response = try await client.execute(uri: "/products/-bad", method: .put, headers: .admin, body: body)
            #expect(response.status == .unprocessableContent)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try response.decode(ProblemBody.self)
            #expect(problem.errors?.map(\.pointer) == ["/sku"])
            #expect(try await database.products().isEmpty)
        }
    }
}
