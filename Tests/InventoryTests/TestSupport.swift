import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Inventory
import Logging
import NIOCore
import WarehouseKit
import WarehouseTestSupport

/// A fresh inventory database of each available backend in turn.
func withInventoryDatabase<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (any InventoryRepository) async throws -> T
) async throws -> T {
    try await StorageBackend.onEach(named: "inventory", open: { try await InventoryStorage.open($0) }) { storage, _ in
        try await body(storage.repository)
    }
}

let quietLogger = Logger(label: "inventory-tests") { _ in SwiftLogNoOpLogHandler() }

let adminToken = "test-admin-token"

/// Generous, so that a machine busy with the other tests cannot turn a check that answers into a
/// timeout (a fresh-clone CI run once failed every health test at 800 ms, two seconds into the run).
let healthTimeout = Duration.seconds(30)

/// An inventory service on a fresh database of each available backend in turn, exercised in-process through HummingbirdTesting's
/// router client (or, with `.live`, on a real loopback port). `body` also gets the repository, to arrange and inspect state directly.
func withInventoryService(
    isolation: isolated (any Actor)? = #isolation,
    _ setup: TestingSetup = .router,
    _ body: @Sendable @escaping (any TestClientProtocol, any InventoryRepository) async throws -> Void
) async throws {
    try await StorageBackend.onEach(named: "inventory", open: { try await InventoryStorage.open($0) }) { storage, url in
        let configuration = InventoryConfiguration(databaseURL: url, adminToken: AdminToken(adminToken))
        let health = HealthMonitor(serviceId: "inventory", indicators: [storage.health], timeout: healthTimeout)
        let service = InventoryService(
            configuration: configuration, repository: storage.repository, health: health, feed: storage.feed,
            logger: quietLogger)
        let app = try service.makeApplication()
        try await app.test(setup) { client in try await body(client, storage.repository) }
    }
}

extension HTTPFields {
    static let json: HTTPFields = [.contentType: "application/json"]
    static let admin: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(adminToken)"]
}

extension ByteBuffer {
    init(json: String) { self.init(string: json) }
}

/// A deduction as the API returns it.
struct DeductionBody: Decodable, Equatable {
    struct Line: Decodable, Equatable {
        var sku: String
        var quantity: Int
    }

    var key: String
    var outcome: String
    var reason: String?
    var sku: String?
    var items: [Line]
    var recordedAt: String
    var ordinal: Int64?
}

struct ProductBody: Decodable, Equatable {
    var sku: String
    var name: String
    var stock: Int64
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body.readableBytesView))
    }

    var text: String { String(buffer: body) }
}
