import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Notification
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("Notification API", .timeLimit(.minutes(3)))
struct NotificationAPITests {
    struct NotificationList: Decodable {
        struct Item: Decodable {
            var sequence: Int64
            var orderId: String
            var kind: String
            var eventType: String
            var reason: String?
        }
        var notifications: [Item]
    }

    struct SubscriptionBody: Decodable, Equatable {
        var customerId: String
        var url: String
        var secret: String
    }

    @Test("GET /notifications: a customer's inbox, oldest first, read on after a sequence")
    func inbox() async throws {
        try await withNotificationService { client, database in
            _ = try await database.apply(
                [
                    orderEvent(EventType.orderShipped, order: "o-1", position: 1),
                    orderEvent(EventType.orderRejected, order: "o-2", customer: "c-7", position: 2, reason: "No stock."),
                    orderEvent(EventType.orderDelayed, order: "o-3", position: 3),
                ], feed: "order", from: 0, to: 3, now: Date(), retryWindow: .seconds(86400))
            let mine = try await client.execute(uri: "/notifications?customerId=c-42", method: .get)
            #expect(mine.status == .ok)
            let list = try mine.decode(NotificationList.self).notifications
            #expect(list.map(\.orderId) == ["o-1", "o-3"])
            #expect(list.map(\.eventType) == [EventType.orderShipped, EventType.orderDelayed])
            let after = try await client.execute(uri: "/notifications?customerId=c-42&after=\(list[0].sequence)", method: .get)
            #expect(try after.decode(NotificationList.self).notifications.map(\.kind) == ["delayed"])
            let everyone = try await client.execute(uri: "/notifications?limit=2", method: .get)
            #expect(try everyone.decode(NotificationList.self).notifications.count == 2)
            let rejected = try await client.execute(uri: "/notifications?customerId=c-7", method: .get)
            #expect(try rejected.decode(NotificationList.self).notifications.first?.reason == "No stock.")
        }
    }

    @Test(
        "GET /notifications with a bad query: 400 problem",
        arguments: [
            "after=-1", "after=x", "limit=0", "limit=501", "limit=x", "customerId=", "customerId=%20%20",
            "customerId=" + String(repeating: "a", count: 129),
        ])
    func badInboxQuery(query: String) async throws {
        try await withNotificationService { client, _ in
            let response = try await client.execute(uri: "/notifications?\(query)", method: .get)
            #expect(response.status == .badRequest, "\(query)")
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("PUT /subscriptions: 201 with a secret, then 200 with the same secret and the new URL")
    func subscribe() async throws {
        try await withNotificationService { client, _ in
            let created = try await client.execute(
                uri: "/subscriptions/c-42", method: .put, headers: .admin, body: ByteBuffer(string: #"{"url":"http://127.0.0.1:9/hook"}"#))
            #expect(created.status == .created)
            let first = try created.decode(SubscriptionBody.self)
            #expect(first.url == "http://127.0.0.1:9/hook" && first.secret.hasPrefix("whsec_"))
            let moved = try await client.execute(
                uri: "/subscriptions/c-42", method: .put, headers: .admin, body: ByteBuffer(string: #"{"url":"https://hooks.example/c42"}"#))
            #expect(moved.status == .ok)
            #expect(try moved.decode(SubscriptionBody.self) == .init(customerId: "c-42", url: "https://hooks.example/c42", secret: first.secret))
            let read = try await client.execute(uri: "/subscriptions/c-42", method: .get, headers: .admin)
            #expect(try read.decode(SubscriptionBody.self).secret == first.secret)
        }
    }

    /// One bad `PUT /subscriptions/c-42`: its headers, its body and the status it must get.
    struct BadPut: Sendable, CustomTestStringConvertible {
        var headers: HTTPFields
        var body: String
        var status: Int
        var testDescription: String { "\(status): \(body.prefix(50))" }

        init(_ headers: HTTPFields, _ body: String, _ status: Int) {
            self.headers = headers
            self.body = body
            self.status = status
        }
    }

    static let badPuts: [BadPut] = [
        BadPut(HTTPFields.json, #"{"url":"http://a.example"}"#, 401),
        BadPut([.contentType: "application/json", .authorization: "Bearer wrong"], #"{"url":"http://a.example"}"#, 401),
        BadPut([.authorization: "Bearer \(adminToken)"], #"{"url":"http://a.example"}"#, 415),
        BadPut([.contentType: "text/plain", .authorization: "Bearer \(adminToken)"], #"{"url":"http://a.example"}"#, 415),
        BadPut(HTTPFields.admin, #"{"url":"#, 400),
        BadPut(HTTPFields.admin, #"{"url":"a","url":"http://a.example"}"#, 400),
        BadPut(HTTPFields.admin, "", 400),
        BadPut(HTTPFields.admin, "{}", 422),
        BadPut(HTTPFields.admin, #"{"url":null}"#, 422),
        BadPut(HTTPFields.admin, #"{"url":42}"#, 422),
        BadPut(HTTPFields.admin, #"{"url":"ftp://a.example/x"}"#, 422),
        BadPut(HTTPFields.admin, #"{"url":"not a url"}"#, 422),
        BadPut(HTTPFields.admin, #"{"url":"http://user:pw@a.example/"}"#, 422),
        BadPut(HTTPFields.admin, #"{"url":"http:///nohost"}"#, 422),
        BadPut(HTTPFields.admin, #"{"url":"http://a.example/\#(String(repeating: "x", count: 2048))"}"#, 422),
        BadPut(HTTPFields.admin, #"{"url":"http://a.example/","pad":"\#(String(repeating: "x", count: 70_000))"}"#, 413),
    ]

    @Test("PUT /subscriptions with bad input: the right problem, and no subscription", arguments: badPuts)
    func badSubscription(request: BadPut) async throws {
        try await withNotificationService { client, database in
            let response = try await client.execute(
                uri: "/subscriptions/c-42", method: .put, headers: request.headers, body: ByteBuffer(string: request.body))
            #expect(response.status.code == request.status)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try await database.subscription(customerId: "c-42") == nil)
        }
    }

    @Test("a bad customer id in the path: 400, nothing stored")
    func badPathCustomer() async throws {
        try await withNotificationService { client, database in
            let response = try await client.execute(
                uri: "/subscriptions/%20%20", method: .put, headers: .admin, body: ByteBuffer(string: #"{"url":"http://a.example"}"#))
            #expect(response.status == .badRequest)
            #expect(try await database.subscription(customerId: "  ") == nil)
        }
    }

    @Test("GET /subscriptions: admin only, 404 when there is none")
    func readSubscription() async throws {
        try await withNotificationService { client, _ in
            #expect(try await client.execute(uri: "/subscriptions/c-9", method: .get).status == .unauthorized)
            let missing = try await client.execute(uri: "/subscriptions/c-9", method: .get, headers: .admin)
            #expect(missing.status == .notFound)
            #expect(try missing.decode(ProblemBody.self).title == "Subscription not found")
        }
    }

    @Test("GET /deliveries: admin only; bad queries 400")
    func deliveries() async throws {
        try await withNotificationService { client, _ in
            #expect(try await client.execute(uri: "/deliveries", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/deliveries", method: .get, headers: .admin).status == .ok)
            for query in ["status=bogus", "limit=0", "limit=x", "customerId="] {
                let response = try await client.execute(uri: "/deliveries?\(query)", method: .get, headers: .admin)
                #expect(response.status == .badRequest, "\(query)")
            }
        }
    }

    @Test("methods a path does not serve: 405 with Allow")
    func wrongMethods() async throws {
        try await withNotificationService { client, _ in
            let delete = try await client.execute(uri: "/subscriptions/c-42", method: .delete, headers: .admin)
            #expect(delete.status == .methodNotAllowed)
            #expect(try await client.execute(uri: "/notifications", method: .post).status == .methodNotAllowed)
        }
    }

    @Test("the contract is served, and its body schema agrees with the one the service checks")
    func contract() async throws {
        try await withNotificationService { client, _ in
            let document = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(document.status == .ok)
            let text = String(buffer: document.body)
            #expect(text.contains("operationId: putSubscription"))
            #expect(text.contains("maxLength: 2048"))
            #expect(NotificationBodySchemas.byOperation.keys.sorted() == ["putSubscription"])
        }
    }
}
