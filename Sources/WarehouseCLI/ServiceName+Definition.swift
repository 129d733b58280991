import BackupVendor
import Console
import Inventory
import Notification
import Order
import WarehouseKit

extension ServiceName {
    /// How this service is built: the one place that names each service's library.
    var definition: any ServiceDefinition.Type {
        switch self {
        case .order: OrderService.self
        case .inventory: InventoryService.self
        case .notification: NotificationService.self
        case .console: ConsoleService.self
        case .backupVendor: BackupVendorService.self
        }
    }
}
