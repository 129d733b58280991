import Foundation
import Testing
import WarehouseKit

/// A storage backend the repository conformance suites run against. Each test gets a fresh, empty
/// database of it by URL and opens it through the service's own storage (`OrderStorage.open`), so
/// a suite written against the repository protocol checks every backend the same way.
package struct StorageBackend: Sendable, CustomTestStringConvertible {
    package let name: String
    /// A URL of a new, empty database named `name`, valid while `directory` exists.
    private let makeURL: @Sendable (_ directory: URL, _ name: String) async throws -> DatabaseURL

    package init(name: String, makeURL: @escaping @Sendable (URL, String) async throws -> DatabaseURL) {
        self.name = name
        self.makeURL = makeURL
    }

    package var testDescription: String { name }

    /// An SQLite file in the test's temporary directory.
    package static let sqlite = StorageBackend(name: "SQLite") { directory, name in
        .sqlite(path: directory.appendingPathComponent("\(name).sqlite").path)
    }

    /// Every backend these tests can reach here. A PostgreSQL backend adds itself when its test
    /// server is configured.
    package static var available: [StorageBackend] { [.sqlite] }

    /// Runs `body` with the URL of a fresh database of this backend, removed afterwards.
    package func withFreshDatabase<T>(
        isolation: isolated (any Actor)? = #isolation,
        named name: String,
        _ body: (DatabaseURL) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { directory in
            try await body(try await makeURL(directory, name))
        }
    }
}
