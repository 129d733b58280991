import Foundation

/// A service behind the console: its name (as people call it) and where it listens.
package struct Upstream: Sendable, Equatable {
    package let name: String
    package let baseURL: URL

    package init(name: String, baseURL: URL) {
        self.name = name
        self.baseURL = baseURL
    }

    /// The URL of `path` (already percent-encoded, starting with `/`) and `query` on this service.
    package func url(path: String, query: String? = nil) -> String {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let query = query.flatMap { $0.isEmpty ? nil : $0 }
        return base + path + (query.map { "?" + $0 } ?? "")
    }
}
