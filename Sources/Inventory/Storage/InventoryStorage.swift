import WarehouseKit

/// Opens the inventory service's database, whichever backend its URL names, with its schema up to date.
package enum InventoryStorage {
    package static func open(_ url: DatabaseURL, durability: Durability = .full) throws -> Storage<any InventoryRepository> {
        switch url {
        case .sqlite(let path):
            try SQLiteStore.storage(
                path: path, durability: durability, service: "inventory", probe: "SELECT 1 FROM products LIMIT 1",
                repository: SQLiteInventoryRepository.init)
        }
    }
}
