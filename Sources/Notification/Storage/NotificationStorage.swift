import Logging
import WarehouseKit

/// Opens the notification service's database, whichever backend its URL names, with its schema up to date.
package enum NotificationStorage {
    package static func open(
        _ url: DatabaseURL, durability: Durability = .full, logger: Logger = Logger(label: "notification.storage")
    ) async throws -> Storage<any NotificationRepository> {
        switch url {
        case .sqlite(let path):
            try SQLiteStore.storage(
                path: path, durability: durability, service: "notification",
                probe: "SELECT 1 FROM notifications LIMIT 1", repository: SQLiteNotificationRepository.init)
        case .postgres(let postgres):
            try await PostgresStore.storage(
                url: postgres, durability: durability, service: "notification", schema: ServiceName.notification.descriptor.postgresSchema!,
                probeTable: "notifications", migrations: PostgresNotificationRepository.migrations,
                repository: { PostgresNotificationRepository($0) }, logger: logger)
        }
    }
}
