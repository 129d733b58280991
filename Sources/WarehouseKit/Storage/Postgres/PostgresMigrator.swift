import Logging
import PostgresNIO

/// Brings a service's schema up to date at start: creates the schema, then applies each migration
/// newer than the version recorded in `schema_migrations`, each in a transaction of its own.
///
/// All of it happens under a session advisory lock named after the schema, so two replicas starting at
/// the same moment take turns: the second finds the work done. A database newer than this build (a
/// replica of the previous version during a rolling update) is used as it is; migrations only add.
struct PostgresMigrator {
    let schema: String
    let migrations: [PostgresMigration]
    let logger: Logger

    func migrate(_ configuration: PostgresConnection.Configuration, displayName: String) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw PostgresOpenError(displayName: displayName, reason: PostgresErrors.describe(error))
        }
        do {
            try await migrate(on: connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw PostgresOpenError(displayName: displayName, reason: PostgresErrors.describe(error))
        }
    }

    private func migrate(on connection: PostgresConnection) async throws {
        let lock = "warehouse migrations of schema \(schema)"
        try await connection.query("SELECT pg_advisory_lock(hashtextextended(\(lock), 0))", logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        var current = 0
        for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger)
            .decode(Int.self)
        {
            current = version
        }
        for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > current {
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            logger.info("database migrated", metadata: ["schema": "\(schema)", "version": "\(migration.version)", "name": "\(migration.name)"])
        }
        try await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(lock), 0))", logger: logger)
    }
}

/// The database could not be opened or brought up to date: the service cannot start.
package struct PostgresOpenError: Error, CustomStringConvertible {
    package let displayName: String
    package let reason: String
    package var description: String { "cannot open the \(displayName): \(reason)" }
}
