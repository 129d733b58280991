import Foundation

/// The inventory service's OpenAPI document (this target holds the file; InventoryAPI links to it to generate code).
enum InventoryAPIDocument {
    static func load() -> Data? {
        Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap { try? Data(contentsOf: $0) }
    }
}
