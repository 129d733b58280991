import Foundation

/// The order service's OpenAPI document (this target holds the file; OrderAPI links to it to generate code).
enum OrderAPIDocument {
    static func load() -> Data? {
        Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap { try? Data(contentsOf: $0) }
    }
}
