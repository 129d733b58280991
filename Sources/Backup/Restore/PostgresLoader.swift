import Foundation
import WarehouseKit

/// Loads a restored dump (`PostgresDumper`) into an empty PostgreSQL database: `psql` with
/// `ON_ERROR_STOP` in one transaction, so the first error leaves the database as it was.
///
/// A database that already holds any schema the dump makes is refused before anything is loaded: a
/// restore never mixes a restore point's rows with rows that are there.
package struct PostgresLoader: Sendable {
    package let url: PostgresURL
    package let program: PostgresProgram

    package init(url: PostgresURL, binDirectory: URL? = nil) throws {
        self.url = url
        program = try PostgresProgram("psql", binDirectory: binDirectory)
    }

    /// Loads `dump` and returns the schemas it made.
    ///
    /// - Throws: `BackupError.targetDatabaseNotEmpty` when one of them is there already;
    ///   `BackupError.postgres` with psql's words when the load fails.
    @discardableResult
    package func load(_ dump: URL) throws -> [String] {
        let schemas = try Self.schemas(in: dump)
        let present = try program.run(
            [
                "--no-psqlrc", "--tuples-only", "--no-align", "--command",
                "SELECT nspname FROM pg_namespace WHERE nspname IN (\(schemas.map { "'\($0)'" }.joined(separator: ", "))) ORDER BY 1",
            ], on: url
        ).split(separator: "\n").map(String.init)
        guard present.isEmpty else { throw BackupError.targetDatabaseNotEmpty(url.place, present) }
        try program.run(
            ["--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--single-transaction", "--file", dump.path], on: url)
        return schemas
    }

    /// The schemas a dump makes: its `CREATE SCHEMA` statements, which pg_dump writes before any table.
    static func schemas(in dump: URL) throws -> [String] {
        guard let handle = FileHandle(forReadingAtPath: dump.path) else {
            throw BackupError.io("cannot open \(dump.path)", errno: ENOENT)
        }
        defer { try? handle.close() }
        let head = String(decoding: (try handle.read(upToCount: 1 << 20)) ?? Data(), as: UTF8.self)
        let schemas = head.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("CREATE SCHEMA "), line.hasSuffix(";") else { return nil }
            let name = String(line.dropFirst("CREATE SCHEMA ".count).dropLast()).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return PostgresURL.isName(name) ? name : nil
        }
        guard !schemas.isEmpty else { throw BackupError.postgres("psql", "\(dump.lastPathComponent) makes no schema: not a dump of the services") }
        return schemas
    }
}
