import Foundation

/// The notification service's OpenAPI document (this target holds the file; NotificationAPI links to it
/// to generate code).
enum NotificationAPIDocument {
    static func load() -> Data? {
        Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap { try? Data(contentsOf: $0) }
    }
}
