import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

let quietLogger = Logger(label: "order-tests") { _ in SwiftLogNoOpLogHandler() }

extension OrderPolicy {
    /// Short limits, for tests about a hanging inventory: it costs them a fraction of a second. Storage
    /// is not what they are about, and may take longer than that in a crowded run.
    static var fast: OrderPolicy {
        var policy = OrderPolicy()
        policy.deadline = .milliseconds(300)
        policy.retryTimeout = .milliseconds(200)
        policy.storageWait = .seconds(60)
        return policy
    }

    /// Limits no answer from the scripted inventory can miss, however loaded the machine: for tests
    /// that expect a definite answer, so they cannot turn pending by accident.
    static var generous: OrderPolicy {
        var policy = OrderPolicy()
        policy.deadline = .seconds(30)
        policy.retryTimeout = .seconds(30)
        return policy
    }
}

/// The order flow on a fresh database of each available backend in turn, with a scripted inventory.
struct OrderFixture: Sendable {
    let database: any OrderRepository
    /// The events the database's writes publish.
    let feed: EventFeed
    let inventory: ScriptedInventory
    let flow: OrderFlow
}

func withOrderFixture<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ script: ScriptedInventory.Script = .applied,
    policy: OrderPolicy = .generous,
    _ body: (OrderFixture) async throws -> T
) async throws -> T {
    try await StorageBackend.onEach(named: "orders", open: { try await OrderStorage.open($0) }) { storage, _ in
        let inventory = ScriptedInventory(script)
        let flow = OrderFlow(repository: storage.repository, inventory: inventory, policy: policy, logger: quietLogger)
        return try await body(
            OrderFixture(database: storage.repository, feed: try #require(storage.feed), inventory: inventory, flow: flow))
    }
}

/// The order service in-process, through HummingbirdTesting's router client.
func withOrderService(
    isolation: isolated (any Actor)? = #isolation,
    _ script: ScriptedInventory.Script = .applied,
    policy: OrderPolicy = .generous,
    customerListing: CustomerListing = .anyone,
    _ body: @Sendable @escaping (any TestClientProtocol, OrderFixture) async throws -> Void
) async throws {
    try await withOrderFixture(script, policy: policy) { fixture in
        var configuration = OrderConfiguration(
            databaseURL: .sqlite(path: "/unused/orders.sqlite"),
            inventoryURL: URL(string: "http://127.0.0.1:9")!
        )
        configuration.policy = policy
        configuration.edge.credentials = testCredentials
        configuration.customerListing = customerListing
        let service = OrderService(
            configuration: configuration,
            placement: fixture.flow.placement,
            repository: fixture.database,
            health: HealthMonitor(serviceId: "order", indicators: []),
            services: [],
            feed: fixture.feed,
            logger: quietLogger
        )
        let app = try service.makeApplication()
        try await app.test(.router) { client in try await body(client, fixture) }
    }
}

let draft = NewOrder(
    customerId: "c-42", items: [OrderLine(sku: "CONSOLE-PS5", quantity: 1), OrderLine(sku: "PAD-DUALSENSE", quantity: 2)])

let orderJSON =
    #"{"customerId": "c-42", "items": [{"sku": "CONSOLE-PS5", "quantity": 1}, {"sku": "PAD-DUALSENSE", "quantity": 2}]}"#

let adminToken = "test-admin-token-test-admin-token"
let serviceToken = "test-service-token-test-service-token"
let testCredentials = Credentials(admin: BearerToken(adminToken), service: BearerToken(serviceToken))

extension HTTPFields {
    static let json: HTTPFields = [.contentType: "application/json"]
    /// The service token alone: what the event feed requires.
    static let serviceRead: HTTPFields = [.authorization: "Bearer \(serviceToken)"]
    static let adminRead: HTTPFields = [.authorization: "Bearer \(adminToken)"]

    static func json(idempotencyKey: String) -> HTTPFields {
        [.contentType: "application/json", .idempotencyKey: idempotencyKey]
    }
}

/// An order as the API returns it.
struct OrderBody: Decodable, Equatable {
    struct Line: Decodable, Equatable {
        var sku: String
        var quantity: Int
    }

    var id: String
    var customerId: String
    var items: [Line]
    var status: String
    var message: String
    var reason: String?
    var createdAt: String
    var updatedAt: String
}

struct OrderListBody: Decodable {
    var orders: [OrderBody]
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body.readableBytesView))
    }

    var text: String { String(buffer: body) }
}

extension TestClientProtocol {
    func postOrder(_ json: String = orderJSON, headers: HTTPFields = .json) async throws -> TestResponse {
        try await execute(uri: "/orders", method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func listOrders(_ query: String = "") async throws -> [OrderBody] {
        try await execute(uri: "/orders\(query)", method: .get).decode(OrderListBody.self).orders
    }
}
