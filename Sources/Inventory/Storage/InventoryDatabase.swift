import Foundation
import GRDB
import WarehouseKit

/// The inventory service's SQLite database: its schema (migrations run at open) and the transactions
/// that keep stock and deduction records consistent.
package struct InventoryDatabase: InventoryRepository {
    package let writer: any DatabaseWriter
    /// The writes made while requests wait on them, committed together (see `GroupCommitWriter`).
    private let commits: GroupCommitWriter

    /// Opens the database and brings its schema up to date.
    package init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        self.commits = GroupCommitWriter(writer)
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: products and deductions") { db in
            try db.create(table: "products") { t in
                t.primaryKey("sku", .text)
                t.column("name", .text).notNull()
                // The database refuses negative stock even if the code above it were wrong.
                t.column("stock", .integer).notNull().check { $0 >= 0 }
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "deductions") { t in
                // The unique key that makes a deduction happen at most once.
                t.primaryKey("key", .text)
                t.column("outcome", .text).notNull().check { ["applied", "rejected"].contains($0) }
                t.column("sku", .text)
                t.column("reason", .text)
                t.column("lines", .jsonText).notNull()
                t.column("fingerprint", .text).notNull()
                t.column("recordedAt", .datetime).notNull()
            }
            try db.create(table: "settings") { t in
                t.primaryKey("name", .text)
                t.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("v2: deduction ordinals") { db in
            // The order in which keys were first seen: what "every n-th deduction" counts, across restarts.
            try db.create(table: "deductionOrdinals") { t in
                t.autoIncrementedPrimaryKey("ordinal")
                t.column("key", .text).notNull().unique()
            }
        }
        return migrator
    }

    package func ordinal(of key: String) async throws -> Int64 {
        try await commits.write { db in
            if let known = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT ordinal FROM deductionOrdinals WHERE key = ?"), arguments: [key])
            {
                return known
            }
            try db.cachedStatement(sql: "INSERT INTO deductionOrdinals (key) VALUES (?)").execute(arguments: [key])
            return db.lastInsertedRowID
        }
    }

    package func products() async throws -> [Product] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT sku, name, stock FROM products ORDER BY sku").map(Product.init(row:))
        }
    }

    package func product(sku: String) async throws -> Product? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT sku, name, stock FROM products WHERE sku = ?", arguments: [sku]).map(
                Product.init(row:))
        }
    }

    package func upsert(_ product: Product) async throws -> Bool {
        try await commits.write { db in
            let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM products WHERE sku = ?", arguments: [product.sku]) ?? false
            try db.execute(
                sql: """
                    INSERT INTO products (sku, name, stock, updatedAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT(sku) DO UPDATE SET name = excluded.name, stock = excluded.stock, updatedAt = excluded.updatedAt
                    """,
                arguments: [product.sku, product.name, product.stock, UTCTimestamp.sqlite(Date())]
            )
            return !existed
        }
    }

    package func deduct(key: String, lines: [StockLine]) async throws -> DeductionResult {
        let fingerprint = StockLine.fingerprint(lines)
        return try await commits.write { db in
            if let (record, recordedFingerprint) = try Self.fetchDeduction(db, key: key) {
                guard recordedFingerprint == fingerprint else { throw InventoryError.keyReused(key: key) }
                return DeductionResult(record: record, replayed: true)
            }
            let normalized = StockLine.normalized(lines)
            var stock: [String: Int64] = [:]
            for line in normalized {
                stock[line.sku] = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT stock FROM products WHERE sku = ?"), arguments: [line.sku])
            }
            let outcome = DeductionRule.decide(normalized, stock: stock)
            if outcome == .applied {
                let now = UTCTimestamp.sqlite(Date())
                for line in normalized {
                    try db.cachedStatement(sql: "UPDATE products SET stock = stock - ?, updatedAt = ? WHERE sku = ?")
                        .execute(arguments: [line.quantity, now, line.sku])
                }
            }
            let record = DeductionRecord(key: key, outcome: outcome, lines: normalized, recordedAt: Date())
            try Self.insert(record, fingerprint: fingerprint, db)
            return DeductionResult(record: record, replayed: false)
        }
    }

    package func deductNaively(lines: [StockLine]) async throws -> DeductionOutcome {
        let normalized = StockLine.normalized(lines)
        let stock = try await writer.read { db in
            var stock: [String: Int64] = [:]
            for line in normalized {
                stock[line.sku] = try Int64.fetchOne(db, sql: "SELECT stock FROM products WHERE sku = ?", arguments: [line.sku])
            }
            return stock
        }
        let outcome = DeductionRule.decide(normalized, stock: stock)
        guard outcome == .applied else { return outcome }
        try await writer.write { db in
            for line in normalized {
                // An absolute write of a value read earlier: the lost update the real path avoids.
                try db.execute(
                    sql: "UPDATE products SET stock = ?, updatedAt = ? WHERE sku = ?",
                    arguments: [(stock[line.sku] ?? 0) - Int64(line.quantity), Date(), line.sku]
                )
            }
        }
        return outcome
    }

    package func deduction(key: String) async throws -> DeductionRecord? {
        try await writer.read { db in
            guard var record = try Self.fetchDeduction(db, key: key)?.record else { return nil }
            record.ordinal = try Int64.fetchOne(db, sql: "SELECT ordinal FROM deductionOrdinals WHERE key = ?", arguments: [key])
            return record
        }
    }

    /// Adds the demo catalogue once, the first time a data directory is used; later starts leave the
    /// stock as it is.
    package func seedDemoCatalogueIfNew() async throws {
        try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM settings WHERE name = 'demoSeeded'") == nil else { return }
            let now = Date()
            for product in DemoCatalogue.products {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO products (sku, name, stock, updatedAt) VALUES (?, ?, ?, ?)",
                    arguments: [product.sku, product.name, product.stock, now]
                )
            }
            try db.execute(sql: "INSERT INTO settings (name, value) VALUES ('demoSeeded', ?)", arguments: [now.ISO8601Format()])
        }
    }

    static func fetchDeduction(_ db: Database, key: String) throws -> (record: DeductionRecord, fingerprint: String)? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM deductions WHERE key = ?"), arguments: [key])
        else { return nil }
        let lines = try decoder.decode([StockLine].self, from: Data((row["lines"] as String).utf8))
        let outcome: DeductionOutcome =
            row["outcome"] == "applied"
            ? .applied
            : .rejected(sku: row["sku"] ?? "", reason: row["reason"] ?? "")
        let record = DeductionRecord(key: key, outcome: outcome, lines: lines, recordedAt: row["recordedAt"])
        return (record, row["fingerprint"])
    }

    private static func insert(_ record: DeductionRecord, fingerprint: String, _ db: Database) throws {
        let lines = JSONText.lines(record.lines.lazy.map { ($0.sku, $0.quantity) })
        var sku: String?
        var reason: String?
        if case .rejected(let rejectedSKU, let why) = record.outcome {
            sku = rejectedSKU
            reason = why
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO deductions (key, outcome, sku, reason, lines, fingerprint, recordedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                record.key, record.outcome == .applied ? "applied" : "rejected", sku, reason, lines, fingerprint,
                UTCTimestamp.sqlite(record.recordedAt),
            ]
        )
    }
}

extension InventoryDatabase {
    // Shared: making a decoder per record cost more than the decoding itself.
    private static let decoder = JSONDecoder()
}

extension Product {
    init(row: Row) {
        self.init(sku: row["sku"], name: row["name"], stock: row["stock"])
    }
}
