import GRDB

extension SQLiteOrderRepository {
    /// The id of every order in the database (a restore lines inventory's deductions up with them).
    package func allOrderIDs() async throws -> Set<String> {
        try await writer.read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM orders")) }
    }
}
