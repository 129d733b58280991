import Logging
import WarehouseKit

/// Opens the inventory service's database, whichever backend its URL names, with its schema up to date.
package enum InventoryStorage {
    package static func open(
        _ url: DatabaseURL, durability: Durability = .full, logger: Logger = Logger(label: "inventory.storage")
    ) async throws -> Storage<any InventoryRepository> {
        switch url {
        case .sqlite(let path):
            // The repository's group commits signal the feed's long polls.
            let signal = CommitSignal()
            return try SQLiteStore.storage(
                path: path, durability: durability, service: "inventory", probe: "SELECT 1 FROM products LIMIT 1",
                repository: { try SQLiteInventoryRepository($0, commitSignal: signal) },
                feed: { EventFeed(source: StockEvents.source, store: SQLiteEventStore($0), signal: signal) })
        case .postgres(let postgres):
            return try await PostgresStore.storage(
                url: postgres, durability: durability, service: "inventory", schema: ServiceName.inventory.descriptor.postgresSchema!, probeTable: "products",
                migrations: PostgresInventoryRepository.migrations, repository: { PostgresInventoryRepository($0) },
                feedSource: StockEvents.source, logger: logger)
        }
    }
}
