import Foundation
import GRDB
import WarehouseKit

/// The inventory service's SQLite database: its schema (migrations run at open) and the transactions
/// that keep stock and deduction records consistent.
///
/// Every change of a product's stock writes its events to the outbox (`events`) in the same transaction:
/// `stock.changed`, and `stock.depleted` when the stock reaches 0 (the naive deduction too, through
/// `upsert`).
package struct SQLiteInventoryRepository: InventoryRepository {
    package let writer: any DatabaseWriter
    /// The writes made while requests wait on them, committed together (see `GroupCommitWriter`).
    private let commits: GroupCommitWriter
    /// Signalled after every commit that may hold events: the feed's long polls wait on it.
    private let commitSignal: CommitSignal

    /// Opens the database and brings its schema up to date.
    ///
    /// - Parameter commitSignal: signalled after every commit that may hold events, for the feed's long polls.
    package init(_ writer: any DatabaseWriter, commitSignal: CommitSignal = CommitSignal()) throws {
        self.writer = writer
        self.commitSignal = commitSignal
        self.commits = GroupCommitWriter(writer, onCommit: { commitSignal.signal() })
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
        migrator.registerMigration("v3: fault ledger") { db in
            // Every fault chaos injected, by kind and deduction key, written in the transaction of the
            // deduction it strikes: committed before the fault strikes, so a crash cannot erase it.
            try db.create(table: "injectedFaults") { t in
                t.column("kind", .text).notNull()
                t.column("key", .text).notNull()
                t.column("injections", .integer).notNull()
                t.column("firstAt", .datetime).notNull()
                t.primaryKey(["kind", "key"])
            }
        }
        migrator.registerMigration("v4: events") { db in
            try SQLiteEventStore.createTables(db)
        }
        migrator.registerMigration("v5: deduction records by age") { db in
            // What `forgetDeductions` walks, oldest first, a batch at a time.
            try db.execute(sql: "CREATE INDEX deductions_by_age ON deductions (recordedAt)")
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
            let previous = try Int64.fetchOne(db, sql: "SELECT stock FROM products WHERE sku = ?", arguments: [product.sku])
            let now = Date()
            try db.execute(
                sql: """
                    INSERT INTO products (sku, name, stock, updatedAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT(sku) DO UPDATE SET name = excluded.name, stock = excluded.stock, updatedAt = excluded.updatedAt
                    """,
                arguments: [product.sku, product.name, product.stock, UTCTimestamp.sqlite(now)]
            )
            try StockEvents.append(product, depleted: product.stock == 0 && previous != 0, at: now, in: db)
            return previous == nil
        }
    }

    package func deduct(key: String, lines: [StockLine], faults: FaultPlan) async throws -> DeductionResult {
        let fingerprint = StockLine.fingerprint(lines)
        return try await commits.write { db in
            if let (record, recordedFingerprint) = try Self.fetchDeduction(db, key: key) {
                guard recordedFingerprint == fingerprint else { throw InventoryError.keyReused(key: key) }
                try Self.recordFaults(faults.kinds(replayed: true), key: key, db)
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
                let now = Date()
                let stamp = UTCTimestamp.sqlite(now)
                for line in normalized {
                    let row = try Row.fetchOne(
                        db.cachedStatement(
                            sql: "UPDATE products SET stock = stock - ?, updatedAt = ? WHERE sku = ? RETURNING sku, name, stock"),
                        arguments: [line.quantity, stamp, line.sku])
                    if let row {
                        let product = Product(row: row)
                        try StockEvents.append(product, depleted: product.stock == 0, at: now, in: db)
                    }
                }
            }
            let record = DeductionRecord(key: key, outcome: outcome, lines: normalized, recordedAt: Date())
            try Self.insert(record, fingerprint: fingerprint, db)
            try Self.recordFaults(faults.kinds(replayed: false), key: key, db)
            return DeductionResult(record: record, replayed: false)
        }
    }

    package func countUnrecordedDeduction(key: String, faults: [FaultKind]) async throws {
        try await commits.write { db in
            // No record of the key; only a count, the denominator of the fault ledger.
            try db.cachedStatement(
                sql: """
                    INSERT INTO settings (name, value) VALUES ('naiveDeductions', '1')
                    ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + 1
                    """
            ).execute()
            try Self.recordFaults(faults, key: key, db)
        }
    }

    package func faultLedger() async throws -> FaultLedger {
        try await writer.read { db in
            let recorded = try Int.fetchOne(db, sql: "SELECT count(*) FROM deductions") ?? 0
            let uncounted = try Int.fetchOne(
                db,
                sql: "SELECT sum(CAST(value AS INTEGER)) FROM settings WHERE name IN ('naiveDeductions', 'forgottenDeductions')")
            let naive = uncounted ?? 0
            var faults: [FaultKind: FaultLedger.Count] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT kind, count(*) AS deductions, sum(injections) AS injections FROM injectedFaults GROUP BY kind")
            {
                guard let kind = FaultKind(rawValue: row["kind"]) else { continue }
                faults[kind] = FaultLedger.Count(deductions: row["deductions"], injections: row["injections"])
            }
            return FaultLedger(deductions: recorded + naive, faults: faults)
        }
    }

    package func forgetDeductions(recordedBefore cutoff: Date, limit: Int) async throws -> Int {
        try await commits.write { db in
            let keys = try String.fetchAll(
                db.cachedStatement(
                    sql: "SELECT key FROM deductions INDEXED BY deductions_by_age WHERE recordedAt < ? ORDER BY recordedAt LIMIT ?"),
                arguments: [UTCTimestamp.sqlite(cutoff), limit])
            guard !keys.isEmpty else { return 0 }
            for key in keys {
                try db.cachedStatement(sql: "DELETE FROM deductions WHERE key = ?").execute(arguments: [key])
                try db.cachedStatement(sql: "DELETE FROM deductionOrdinals WHERE key = ?").execute(arguments: [key])
            }
            // The fault ledger's denominator keeps counting them.
            try db.cachedStatement(
                sql: """
                    INSERT INTO settings (name, value) VALUES ('forgottenDeductions', ?)
                    ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + excluded.value
                    """
            ).execute(arguments: [keys.count])
            return keys.count
        }
    }

    package func deduction(key: String) async throws -> DeductionRecord? {
        try await writer.read { db in
            guard var record = try Self.fetchDeduction(db, key: key)?.record else { return nil }
            record.ordinal = try Int64.fetchOne(db, sql: "SELECT ordinal FROM deductionOrdinals WHERE key = ?", arguments: [key])
            return record
        }
    }

    package func seedOnce(_ products: [Product]) async throws -> Bool {
        let seeded = try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM settings WHERE name = 'demoSeeded'") == nil else { return false }
            let now = Date()
            for product in products {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO products (sku, name, stock, updatedAt) VALUES (?, ?, ?, ?)",
                    arguments: [product.sku, product.name, product.stock, now]
                )
                if db.changesCount == 1 { try StockEvents.append(product, depleted: false, at: now, in: db) }
            }
            try db.execute(sql: "INSERT INTO settings (name, value) VALUES ('demoSeeded', ?)", arguments: [now.ISO8601Format()])
            return true
        }
        commitSignal.signal()
        return seeded
    }

    /// Adds one strike of each kind in `kinds` against `key` to the fault ledger.
    private static func recordFaults(_ kinds: [FaultKind], key: String, _ db: Database) throws {
        guard !kinds.isEmpty else { return }
        let now = UTCTimestamp.sqlite(Date())
        for kind in kinds {
            try db.cachedStatement(
                sql: """
                    INSERT INTO injectedFaults (kind, key, injections, firstAt) VALUES (?, ?, 1, ?)
                    ON CONFLICT(kind, key) DO UPDATE SET injections = injections + 1
                    """
            ).execute(arguments: [kind.rawValue, key, now])
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

extension SQLiteInventoryRepository {
    // Shared: making a decoder per record cost more than the decoding itself.
    private static let decoder = JSONDecoder()
}

extension Product {
    init(row: Row) {
        self.init(sku: row["sku"], name: row["name"], stock: row["stock"])
    }
}
