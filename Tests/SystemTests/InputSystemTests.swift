import Foundation
import Testing
import WarehouseKit
import WarehouseLab

/// What a request can smuggle in, and what a failure can leak out, on real processes: lengths counted
/// as their limits mean them, control characters kept out of keys, and secrets kept out of logs.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct InputSystemTests {
    /// One letter and 20,000 combining marks is one character to the eye and 40 KiB on the wire: a
    /// 128-character limit counts it as 20,001.
    @Test func aLengthLimitCountsCodePointsNotWhatTheEyeSees() async throws {
        try await SystemLauncher.with { system in
            let zalgo = "a" + String(repeating: "\u{0301}", count: 20_000)
            let refused = try await system.placeOrder(customer: zalgo, [("CABLE-HDMI21", 1)])
            #expect(refused.status == 422)
            let problem = try refused.json(ProblemDTO.self)
            #expect(problem.errors?.map(\.pointer) == ["/customerId"])
            #expect(problem.errors?.first?.detail == "must have at most 128 characters")
            #expect(try await system.orders().isEmpty)

            // The limit itself: 128 code points pass, whatever their size in bytes; 129 do not.
            #expect(try await system.placeOrder(customer: String(repeating: "😀", count: 128), [("CABLE-HDMI21", 1)]).status == 201)
            #expect(try await system.placeOrder(customer: String(repeating: "é", count: 129), [("CABLE-HDMI21", 1)]).status == 422)
            let name = try await system.request(
                .PUT, system.inventoryURL + "/products/ZALGO-1",
                body: try JSONSerialization.data(withJSONObject: ["name": "n" + String(repeating: "\u{0301}", count: 300), "stock": 1]),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(try system.adminToken)")])
            #expect(name.status == 422)
            let query = zalgo.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await system.request(.GET, system.notificationURL + "/notifications?customerId=\(query)").status == 400)
            #expect(try await system.request(.GET, system.orderURL + "/orders?customerId=\(query)").status == 400)
        }
    }

    /// A listing reads at most `offset + limit` rows of an index: a huge offset is refused rather than
    /// walked, and deeper pages go by cursor.
    @Test func aListingNeverWalksTheTableForAHugeOffset() async throws {
        try await SystemLauncher.with { system in
            for index in 0..<3 { #expect(try await system.placeOrder(customer: "c-page-\(index)", [("CABLE-HDMI21", 1)]).status == 201) }
            for query in ["offset=9223372036854775807", "offset=10001", "after=no-such-order"] {
                let reply = try await system.request(.GET, system.orderURL + "/orders?\(query)")
                #expect(reply.status == 400, "\(query) answered \(reply.status)")
                #expect(reply.headers["Content-Type"].first == "application/problem+json")
            }
            let newest = try await system.request(.GET, system.orderURL + "/orders?limit=1").json(OrderList.self).orders
            let next = try await system.request(.GET, system.orderURL + "/orders?limit=5&after=\(newest[0].id)").json(OrderList.self).orders
            #expect(next.map(\.customerId) == ["c-page-1", "c-page-0"])
        }
    }

    /// A deduction key, like an Idempotency-Key, is printable ASCII: a control character could split a
    /// log line or a header wherever the key is written.
    @Test func deductionKeysWithControlCharactersAreRefused() async throws {
        try await SystemLauncher.with { system in
            // A build without service tokens takes anything (the admin token then, harmlessly).
            let token = try (try? system.serviceToken) ?? system.adminToken
            let service = ("Authorization", "Bearer \(token)")
            let body = Data(#"{"items": [{"sku": "CABLE-HDMI21", "quantity": 1}]}"#.utf8)
            let before = try await system.stock("CABLE-HDMI21")
            for key in ["k%01", "k%0A%0Dx", "k%7F", "%C3%A9t%C3%A9", "k%00"] {
                let reply = try await system.request(
                    .PUT, system.inventoryURL + "/deductions/\(key)", body: body, headers: [("Content-Type", "application/json"), service])
                #expect(reply.status == 400, "key \(key) answered \(reply.status)")
                #expect(reply.headers["Content-Type"].first == "application/problem+json")
                #expect(try await system.request(.GET, system.inventoryURL + "/deductions/\(key)", headers: [service]).status == 400)
            }
            #expect(try await system.stock("CABLE-HDMI21") == before)
            let fine = try await system.request(
                .PUT, system.inventoryURL + "/deductions/order~1.ok", body: body, headers: [("Content-Type", "application/json"), service])
            #expect(fine.status == 201)
        }
    }

    /// A 500 is logged with what went wrong, never with the request's credentials: the OpenAPI runtime's
    /// description of a failed request carries every header it came with.
    @Test func aServerErrorIsLoggedWithoutTheCredentialsOfItsRequest() async throws {
        try await SystemLauncher.with(["--order-error-after-store-every", "1"]) { system in
            let stranger = "a-token-nobody-registered-0123456789abcdef"
            let tokens = [try system.adminToken, try? system.serviceToken, stranger].compactMap { $0 }
            for token in tokens {
                let reply = try await system.request(
                    .POST, system.orderURL + "/orders",
                    body: Data(#"{"customerId": "c-log", "items": [{"sku": "CABLE-HDMI21", "quantity": 1}]}"#.utf8),
                    headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")])
                #expect(reply.status == 500)
            }
            try await eventually("the failures are logged", timeout: .seconds(10)) {
                system.log().components(separatedBy: "\"message\":\"request failed\"").count - 1 >= tokens.count
            }
            let log = system.log()
            for token in tokens {
                #expect(!log.contains(token), "a token is in the log")
            }
            let failure = try #require(log.split(separator: "\n").first { $0.contains("\"message\":\"request failed\"") })
            #expect(failure.contains("createOrder"))
            #expect(failure.contains("\"status\":\"500\""))
        }
    }
}
