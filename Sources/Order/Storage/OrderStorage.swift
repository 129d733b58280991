import Logging
import WarehouseKit

/// Opens the order service's database, whichever backend its URL names, with its schema up to date.
package enum OrderStorage {
    package static func open(
        _ url: DatabaseURL, durability: Durability = .full, logger: Logger = Logger(label: "order.storage")
    ) async throws -> Storage<any OrderRepository> {
        switch url {
        case .sqlite(let path):
            // The repository's group commits signal the feed's long polls.
            let signal = CommitSignal()
            return try SQLiteStore.storage(
                path: path, durability: durability, service: "order", probe: "SELECT 1 FROM orders LIMIT 1",
                repository: { try SQLiteOrderRepository($0, commitSignal: signal) },
                feed: { EventFeed(source: OrderEvents.source, store: SQLiteEventStore($0), signal: signal) })
        case .postgres(let postgres):
            return try await PostgresStore.storage(
                url: postgres, durability: durability, service: "order", schema: ServiceName.order.descriptor.postgresSchema!, probeTable: "orders",
                migrations: PostgresOrderRepository.migrations, repository: { PostgresOrderRepository($0) },
                feedSource: OrderEvents.source, logger: logger)
        }
    }
}
