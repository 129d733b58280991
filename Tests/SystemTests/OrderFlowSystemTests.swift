import Foundation
import Testing
import WarehouseLab

/// The order flow on real processes: `warehouse up`, loopback HTTP, each service its own database.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OrderFlowSystemTests {
    @Test func anOrderShipsAndStockDropsByExactlyItsQuantity() async throws {
        try await SystemLauncher.with { system in
            let before = try await system.stock("CONSOLE-PS5")
            let reply = try await system.placeOrder([("CONSOLE-PS5", 2)])

            #expect(reply.status == 201)
            let order = try reply.json(OrderDTO.self)
            #expect(order.status == "shipped")
            #expect(order.items == [LineDTO(sku: "CONSOLE-PS5", quantity: 2)])
            #expect(reply.headers["Location"].first == "/orders/\(order.id)")
            #expect(try await system.stock("CONSOLE-PS5") == before - 2)
            #expect(try await system.order(order.id).status == "shipped")
        }
    }

    @Test func anOrderBeyondStockIsRejectedNamingTheSKUAndStockIsUnchanged() async throws {
        try await SystemLauncher.with { system in
            let ps5 = try await system.stock("CONSOLE-PS5")
            let cables = try await system.stock("CABLE-HDMI21")
            // All or nothing: the cable line fits, the console line does not, so neither is deducted.
            let reply = try await system.placeOrder([("CABLE-HDMI21", 1), ("CONSOLE-PS5", ps5 + 1)])

            #expect(reply.status == 409)
            let order = try reply.json(OrderDTO.self)
            #expect(order.status == "rejected")
            #expect(order.reason?.contains("CONSOLE-PS5") == true)
            #expect(try await system.stock("CONSOLE-PS5") == ps5)
            #expect(try await system.stock("CABLE-HDMI21") == cables)

            let unknown = try await system.placeOrder([("NO-SUCH-SKU", 1)])
            #expect(unknown.status == 409)
            #expect(try unknown.json(OrderDTO.self).reason?.contains("NO-SUCH-SKU") == true)
        }
    }

    @Test func aRepeatedDeductionKeyDeductsOnce() async throws {
        try await SystemLauncher.with { system in
            let before = try await system.stock("GAME-ZELDA")
            let body = Data(#"{"items":[{"sku":"GAME-ZELDA","quantity":3}]}"#.utf8)
            let url = system.inventoryURL + "/deductions/key-\(UUID().uuidString)"
            let first = try await system.request(.PUT, url, body: body, headers: [("Content-Type", "application/json")])
            let second = try await system.request(.PUT, url, body: body, headers: [("Content-Type", "application/json")])

            #expect(first.status == 201)
            #expect(second.status == 200)
            #expect(second.headers["Idempotent-Replayed"].first == "true")
            #expect(try await system.stock("GAME-ZELDA") == before - 3)

            // The same key for other lines is refused, and deducts nothing either.
            let other = Data(#"{"items":[{"sku":"GAME-ZELDA","quantity":5}]}"#.utf8)
            let reused = try await system.request(.PUT, url, body: other, headers: [("Content-Type", "application/json")])
            #expect(reused.status == 422)
            #expect(try await system.stock("GAME-ZELDA") == before - 3)
        }
    }

    @Test func concurrentOrdersForOneSKUNeverOversell() async throws {
        try await SystemLauncher.with { system in
            #expect(try await system.putProduct("LIMITED-1", name: "Limited edition", stock: 50).status == 201)

            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<200 {
                    group.addTask { try await system.placeOrder(customer: "c-\(index)", [("LIMITED-1", 1)]).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { [201, 202, 409].contains($0) }, "unexpected statuses: \(Set(statuses))")

            // Any order answered 202 under this load settles soon after; judge the final states.
            try await eventually("no LIMITED-1 order is pending", timeout: .seconds(60)) {
                try await system.orders(status: "pending").isEmpty
            }
            let final = try await system.orders().filter { $0.items.first?.sku == "LIMITED-1" }
            #expect(final.count == 200)
            #expect(final.filter { $0.status == "shipped" }.count == 50)
            #expect(final.filter { $0.status == "rejected" }.count == 150)
            #expect(try await system.stock("LIMITED-1") == 0)
        }
    }

    @Test func everyBadInputGetsItsStatusAndStoresNothing() async throws {
        try await SystemLauncher.with { system in
            let stockBefore = try await system.stock("CONSOLE-PS5")
            let url = system.orderURL + "/orders"
            let json = [("Content-Type", "application/json")]

            let malformed = try await system.request(
                .POST, url, body: Data(#"{"customerId": "c-1", "items": ["#.utf8), headers: json)
            #expect(malformed.status == 400)

            let huge = Data(repeating: UInt8(ascii: " "), count: 70 * 1024)
            let tooLarge = try await system.request(.POST, url, body: huge, headers: json)
            #expect(tooLarge.status == 413)

            let valid = Data(#"{"customerId":"c-1","items":[{"sku":"CONSOLE-PS5","quantity":1}]}"#.utf8)
            let wrongType = try await system.request(.POST, url, body: valid, headers: [("Content-Type", "text/plain")])
            #expect(wrongType.status == 415)
            let noType = try await system.request(.POST, url, body: valid)
            #expect(noType.status == 415)

            let invalid = Data(
                #"{"customerId":"","items":[{"sku":"bad sku","quantity":0},{"sku":"CONSOLE-PS5","quantity":1001}]}"#.utf8)
            let unprocessable = try await system.request(.POST, url, body: invalid, headers: json)
            #expect(unprocessable.status == 422)
            let problem = try unprocessable.json(ProblemDTO.self)
            #expect(
                Set(problem.errors?.map(\.pointer) ?? []) == [
                    "/customerId", "/items/0/sku", "/items/0/quantity", "/items/1/quantity",
                ])

            let empty = try await system.request(.POST, url, body: Data(#"{"customerId":"c-1","items":[]}"#.utf8), headers: json)
            #expect(empty.status == 422)
            let tooMany = Data(
                ("{\"customerId\":\"c-1\",\"items\":["
                    + Array(repeating: #"{"sku":"CONSOLE-PS5","quantity":1}"#, count: 51).joined(separator: ",") + "]}").utf8)
            #expect(try await system.request(.POST, url, body: tooMany, headers: json).status == 422)

            for reply in [malformed, tooLarge, wrongType, noType, unprocessable, empty] {
                #expect(reply.headers["Content-Type"].first == "application/problem+json")
                #expect(!reply.headers["X-Request-ID"].isEmpty)
            }
            #expect(try await system.request(.GET, system.orderURL + "/nowhere").status == 404)
            let wrongMethod = try await system.request(.DELETE, url)
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers["Allow"].first?.contains("POST") == true)
            #expect(try await system.request(.GET, url + "/no-such-order").status == 404)

            #expect(try await system.orders().isEmpty)
            #expect(try await system.stock("CONSOLE-PS5") == stockBefore)
        }
    }
}
