import Foundation
import GRDB

/// Checks a service's SQLite database for real: the file is still there and readable, and a query on
/// one of the service's own tables answers (an open handle alone would survive a deleted file).
package struct DatabaseHealthIndicator: HealthIndicator {
    package let key = "database:responseTime"
    package let componentType = "datastore"
    package let database: any DatabaseReader
    package let path: String?
    /// A query against the service's own tables, such as `SELECT count(*) FROM products`.
    package let probe: String

    package init(database: any DatabaseReader, path: String?, probe: String) {
        self.database = database
        self.path = path
        self.probe = probe
    }

    package func check() async -> HealthCheckResult {
        await measure {
            if let path {
                guard FileManager.default.fileExists(atPath: path) else {
                    throw DatabaseHealthError("database file \(path) is missing")
                }
                guard FileManager.default.isReadableFile(atPath: path), FileManager.default.isWritableFile(atPath: path) else {
                    throw DatabaseHealthError("database file \(path) is not readable and writable")
                }
            }
            do {
                _ = try await database.read { db in try Int.fetchOne(db, sql: probe) }
            } catch let error as DatabaseError {
                throw DatabaseHealthError("database: \(error.message ?? error.description)")
            }
        }
    }
}

struct DatabaseHealthError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
