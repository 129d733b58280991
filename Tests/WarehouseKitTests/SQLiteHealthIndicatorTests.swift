import Foundation
import GRDB
import Testing
import WarehouseKit
import WarehouseTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The database check against a real SQLite file, broken the ways an operator or a disk can break it.
@Suite("SQLiteHealthIndicator", .timeLimit(.minutes(5)))
struct SQLiteHealthIndicatorTests {
    /// A service's database (WAL, as `SQLiteStore` opens it) with a `products` table, and its check.
    func withDatabase(
        createTable: Bool = true,
        _ body: (_ path: String, _ pool: DatabasePool, _ indicator: SQLiteHealthIndicator) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("inventory.sqlite").path
            let pool = try SQLiteStore.open(path: path)
            if createTable {
                try await pool.write { db in try db.execute(sql: "CREATE TABLE products (sku TEXT PRIMARY KEY)") }
            }
            let indicator = try SQLiteHealthIndicator(service: "inventory", path: path, probe: "SELECT 1 FROM products LIMIT 1")
            try await body(path, pool, indicator)
        }
    }

    @Test("a healthy database passes, with its response time")
    func passes() async throws {
        try await withDatabase { _, _, indicator in
            let result = await indicator.check()
            #expect(result.status == .pass)
            #expect(result.output == nil)
            #expect(result.observedUnit == "ms")
            #expect(indicator.key == "database:responseTime")
            #expect(indicator.componentType == "datastore")
        }
    }

    @Test("a missing table fails with its result code for anyone, SQLite's words for the admin")
    func missingTable() async throws {
        try await withDatabase(createTable: false) { _, _, indicator in
            let result = await indicator.check()
            #expect(result.status == .fail)
            #expect(result.output == "inventory database: the query failed (SQLite result code 1)")
            #expect(result.detail == "inventory database: no such table: products")
        }
    }

    /// The check's own connection, like the service's, still has the deleted inode open; the file
    /// check by path is what notices.
    @Test("a deleted file fails")
    func deleted() async throws {
        try await withDatabase { path, _, indicator in
            try FileManager.default.removeItem(atPath: path)
            let result = await indicator.check()
            #expect(result.status == .fail)
            #expect(result.output == "inventory database: its file is missing")
            #expect(result.detail == "inventory database: file \(path) is missing")
        }
    }

    @Test("a file moved away and back fails, then passes again")
    func movedAndBack() async throws {
        try await withDatabase { path, _, indicator in
            try FileManager.default.moveItem(atPath: path, toPath: path + ".away")
            #expect(await indicator.check().status == .fail)
            try FileManager.default.moveItem(atPath: path + ".away", toPath: path)
            #expect(await indicator.check().status == .pass)
        }
    }

    @Test("another file in its place fails: the service writes to a file nobody will read")
    func replaced() async throws {
        try await withDatabase { path, _, indicator in
            try FileManager.default.removeItem(atPath: path)
            let impostor = try DatabaseQueue(path: path)
            try await impostor.write { db in try db.execute(sql: "CREATE TABLE products (sku TEXT)") }
            let result = await indicator.check()
            #expect(result.status == .fail)
            #expect(result.output == "inventory database: its file was replaced while inventory had it open; restart inventory")
            #expect(
                result.detail == "inventory database: file \(path) was replaced while inventory had it open; restart inventory")
        }
    }

    @Test("a lock held by another connection fails within the lock wait, and passes once released")
    func locked() async throws {
        try await withDatabase { path, _, indicator in
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true
            let holder = try DatabaseQueue(path: path, configuration: configuration)
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }

            let result = await indicator.check()
            #expect(result.status == .fail)
            #expect(result.output == "inventory database: locked by another connection (no write lock within 300 ms)")
            // The busy timeout of the probe's own connection, not the service's 5 s, decides how long it
            // waits: behind the service's timeout this would take at least 5,000 ms. (A bound near the
            // 300 ms lock wait failed a full run here, the probe's task starved among hundreds of tests.)
            #expect(try #require(result.observedValue) < 5000)

            try await holder.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            #expect(await indicator.check().status == .pass)
        }
    }

    /// Root reads and writes any file whatever its mode, so this runs only for other users (CI runs as
    /// root; the system tests break the file by deleting, moving and locking it instead).
    @Test("a file this process may not read and write fails", .enabled(if: getuid() != 0))
    func unreadable() async throws {
        try await withDatabase { path, _, indicator in
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path) }
            let result = await indicator.check()
            #expect(result.status == .fail)
            #expect(result.output == "inventory database: file \(path) is not readable and writable by this process")
        }
    }
}
