import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Notification
import NotificationAPI
import Prometheus
import WarehouseKit
import WarehouseTestSupport
import WarehouseTestSupport

let quietLogger = Logger(label: "notification-tests") { _ in SwiftLogNoOpLogHandler() }
let adminToken = "test-admin-token"

/// A fresh notification database of each available backend in turn.
func withNotificationRepository<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (any NotificationRepository) async throws -> T
) async throws -> T {
    try await StorageBackend.onEach(named: "notifications", open: { try await NotificationStorage.open($0) }) { storage, _ in
        try await body(storage.repository)
    }
}

/// The notification service in process (its HTTP API only: no follower, no dispatcher running).
func withNotificationService(
    isolation: isolated (any Actor)? = #isolation,
    _ body: @Sendable @escaping (any TestClientProtocol, any NotificationRepository) async throws -> Void
) async throws {
    try await StorageBackend.onEach(named: "notifications", open: { try await NotificationStorage.open($0) }) { storage, url in
        let database = storage.repository
        var configuration = NotificationConfiguration(databaseURL: url, orderURL: URL(string: "http://127.0.0.1:9")!)
        configuration.adminToken = AdminToken(adminToken)
        let service = NotificationService(
            configuration: configuration,
            repository: database,
            health: HealthMonitor(serviceId: "notification", indicators: []),
            services: [],
            registry: PrometheusCollectorRegistry(),
            deliveries: Doorbell(),
            logger: quietLogger
        )
        let app = try service.makeApplication()
        try await app.test(.router) { client in try await body(client, database) }
    }
}

/// An order event as the order feed carries it.
func orderEvent(
    _ type: String, order: String, customer: String = "c-42", position: Int64, reason: String? = nil,
    status: String? = nil
) -> OrderEvent {
    let status =
        status
        ?? (type == EventType.orderShipped ? "shipped" : type == EventType.orderRejected ? "rejected" : "pending")
    return OrderEvent(
        id: "event-\(position)", type: type, position: position, time: Date(timeIntervalSince1970: 1_800_000_000),
        order: OrderSnapshot(id: order, customerId: customer, status: status, message: "Message of \(order).", reason: reason))
}

extension HTTPFields {
    static let json: HTTPFields = [.contentType: "application/json"]
    static let admin: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(adminToken)"]
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body.readableBytesView))
    }
}
