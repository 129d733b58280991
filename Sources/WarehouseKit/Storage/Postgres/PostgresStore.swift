import Logging

/// Opens a service's storage on PostgreSQL: the database (schema migrated), the repository `make` builds
/// on it, the health check of it, and what must run beside the server (the pool, the commit listener
/// when the service publishes a feed).
package enum PostgresStore {
    package static func storage<Repository: Sendable>(
        url: PostgresURL,
        durability: Durability,
        service: String,
        schema: String,
        probeTable: String,
        migrations: [PostgresMigration],
        repository make: (PostgresSchema) throws -> Repository,
        feedSource: String? = nil,
        logger: Logger
    ) async throws -> Storage<Repository> {
        let database = try await PostgresSchema.open(
            url, defaultSchema: schema, service: service, migrations: migrations, durability: durability, logger: logger)
        let feed = feedSource.map { EventFeed(source: $0, store: PostgresEventStore(database), signal: database.commitSignal) }
        return Storage(
            repository: try make(database),
            health: PostgresHealthIndicator(database: database, table: probeTable),
            services: database.services + (feed == nil ? [] : [PostgresCommitListener(database: database)]),
            feed: feed,
            close: { await database.close() })
    }
}
