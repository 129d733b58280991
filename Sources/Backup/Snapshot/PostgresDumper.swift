import Foundation
import WarehouseKit

/// A transactionally consistent dump of the services' schemas in a PostgreSQL database, taken while
/// they serve: one `pg_dump --format=plain` run.
///
/// One run, not one per schema: pg_dump reads every table inside one `REPEATABLE READ` transaction, so
/// the dump of all services is the database as of one commit, and a restore needs no repair (the
/// SQLite copies are made one after the other and need `RestoreRepair`). Several runs sharing an
/// exported snapshot (`--snapshot`) would give the same cut at the cost of a coordinating connection
/// held open across them; one run gives it for nothing. pg_dump takes only `ACCESS SHARE` locks, which
/// no insert, update or delete waits for.
///
/// Plain SQL rather than the custom format: the custom format compresses each table's data, so one
/// new row changes the whole compressed stream after it; plain text keeps every unchanged row's bytes
/// where they were, which is what lets the content-defined chunker find them again. The repository
/// compresses chunks itself.
package struct PostgresDumper: Sendable {
    /// The name of the dump in a restore point and in a restore's directory.
    package static let fileName = "postgres.sql"

    package let url: PostgresURL
    /// The schemas to dump; nothing else of the database is in the dump.
    package let schemas: [String]
    package let program: PostgresProgram

    package init(url: PostgresURL, schemas: [String], binDirectory: URL? = nil) throws {
        self.url = url
        self.schemas = schemas
        program = try PostgresProgram("pg_dump", binDirectory: binDirectory)
    }

    /// Writes the dump to a new file at `destination`.
    ///
    /// - Throws: `BackupError.postgres` with pg_dump's own words when it fails (no server, a wrong
    ///   password, none of the schemas there).
    package func dump(to destination: URL) throws {
        try? FileManager.default.removeItem(at: destination)
        do {
            try program.run(
                [
                    "--format=plain", "--file", destination.path, "--no-owner", "--no-privileges",
                    // A migration holding a table's exclusive lock fails the dump rather than stalling it.
                    "--lock-wait-timeout=10s",
                ] + schemas.map { "--schema=\($0)" }, on: url)
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
    }
}
