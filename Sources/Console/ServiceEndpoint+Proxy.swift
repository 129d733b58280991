import Foundation
import WarehouseKit

extension ServiceEndpoint {
    /// The URL of `path` (already percent-encoded, starting with `/`) and `query` on this service.
    package func url(path: String, query: String? = nil) -> String {
        var base = url.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let query = query.flatMap { $0.isEmpty ? nil : $0 }
        return base + path + (query.map { "?" + $0 } ?? "")
    }
}
