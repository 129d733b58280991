import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceLifecycle

/// A service's PostgreSQL database: a pooled `PostgresClient` (run as a lifecycle service beside the
/// server), the service's own schema brought up to date at open, and its transactions.
///
/// Writes go through `write`, which commits the work of concurrent callers together (`PostgresGroupCommit`,
/// the equivalent of SQLite's group commit) and retries a transaction PostgreSQL aborted for a
/// serialization failure or a deadlock, so a caller never sees one. Every operation is bounded by
/// `timeout`: a database that does not answer becomes `DatabaseUnavailable` (503), never a hang.
package final class PostgresSchema: Sendable {
    package let url: PostgresURL
    /// The schema the service's tables live in (`search_path` of every connection).
    package let schema: String
    /// `order database`: how errors and health outputs name it.
    package let displayName: String
    package let client: PostgresClient
    package let timeout: Duration
    package let logger: Logger
    /// Signalled after every commit that wrote events, and when another process notifies one.
    package let commitSignal: CommitSignal
    private let commits: PostgresGroupCommit
    /// The health check's connection of its own (`PostgresHealthIndicator`).
    package let probeConnection = ProbeConnection()
    /// The pool's `run()`, started at open so the database serves at once (migrations, seeding, tests);
    /// it ends when `services` shut down, or at `close()`.
    private let pool: Task<Void, Never>

    /// The connections of one service process: enough for its concurrent transactions and reads, few
    /// enough that several replicas of three services stay well inside PostgreSQL's default 100.
    package static let defaultConnections = 12

    private init(url: PostgresURL, schema: String, service: String, durability: Durability, timeout: Duration, logger: Logger) {
        self.url = url
        self.schema = schema
        self.displayName = "\(service) database"
        self.timeout = timeout
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable)
        configuration.options.additionalStartupParameters = Self.startupParameters(
            schema: schema, service: service, durability: durability)
        configuration.options.maximumConnections = Self.defaultConnections
        configuration.options.connectTimeout = .seconds(5)
        // The pool logs every failed connection attempt at info: an outage is reported by health and errors instead.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: background)
        let signal = CommitSignal()
        self.commitSignal = signal
        self.pool = Task { [client] in await client.run() }
        self.commits = PostgresGroupCommit(
            client: client, logger: logger, eventChannel: PostgresEventStore.channel(schema: schema), onEvents: { signal.signal() })
    }

    /// Opens the database at `url` for `service`, in the URL's schema or `defaultSchema`, and brings the
    /// schema up to date with `migrations` (under an advisory lock, so replicas starting together take
    /// turns). The returned database queries nothing until its `client` runs (it is in `services`).
    package static func open(
        _ url: PostgresURL,
        defaultSchema: String,
        service: String,
        migrations: [PostgresMigration],
        durability: Durability = .full,
        timeout: Duration = .seconds(5),
        logger: Logger
    ) async throws -> PostgresSchema {
        let schema = url.schema ?? defaultSchema
        let database = PostgresSchema(
            url: url, schema: schema, service: service, durability: durability, timeout: timeout, logger: logger)
        try await PostgresMigrator(schema: schema, migrations: migrations, logger: logger)
            .migrate(database.connectionConfiguration(), displayName: database.displayName)
        return database
    }

    /// What runs beside the server while the database is in use: the pool, closed once the group that
    /// runs this shuts down (after the server, which finishes its requests first).
    package var services: [any Service] { [PoolLifetime(database: self)] }

    /// Closes the pool and the health probe's connection: they end, and later queries fail.
    package func close() async {
        pool.cancel()
        await pool.value
        await probeConnection.drop()
    }

    /// A single connection outside the pool, as the pool's are configured (migrations, health probes,
    /// LISTEN).
    package func connectionConfiguration() -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable)
        configuration.options.additionalStartupParameters = Self.startupParameters(
            schema: schema, service: displayName, durability: .full)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    private static func startupParameters(schema: String, service: String, durability: Durability) -> [(String, String)] {
        [
            ("search_path", "\"\(schema)\""),
            ("application_name", "warehouse \(service)"),
            // `normal` gives up the last commits on a crash of the server's machine, as SQLite's NORMAL does.
            ("synchronous_commit", durability == .full ? "on" : "off"),
        ]
    }

    /// Keeps the pool open while the service group runs, and closes it when the group shuts down.
    private struct PoolLifetime: Service {
        let database: PostgresSchema

        func run() async throws {
            try? await gracefulShutdown()
            await database.close()
        }
    }

    /// Runs `work` in a transaction shared with concurrent callers' and returns its result once it has
    /// committed. A serialization failure or deadlock runs it again; errors `work` throws are its own.
    ///
    /// - Throws: `DatabaseUnavailable` when the database cannot be reached within `timeout`.
    ///
    /// - Parameter locks: names of what `work` writes that another writer may write at the same time
    ///   (a SKU, an order id, an idempotency key): the transaction takes an advisory lock on each first,
    ///   all in one global order, so two transactions writing the same rows queue instead of deadlocking.
    package func write<T: Sendable>(
        locks: [String] = [], _ work: @escaping @Sendable (PostgresTransaction) async throws -> T
    ) async throws -> T {
        do {
            return try await commits.write(work, locks: locks, timeout: timeout, unavailable: { [self] in unavailable($0) })
        } catch let error where PostgresErrors.isConnectionFailure(error) && !(error is DatabaseUnavailable) {
            throw unavailable(PostgresErrors.describe(error))
        }
    }

    /// One statement outside any transaction, its rows collected.
    package func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let client = self.client
        return try await bounded {
            try await client.query(query, logger: self.logger).collect()
        }
    }

    /// Runs `operation` on one pooled connection (several statements, no transaction).
    package func withConnection<T: Sendable>(_ operation: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = self.client
        return try await bounded {
            try await client.withConnection { try await operation($0) }
        }
    }

    /// Bounds a read by `timeout` and tells a lost database from any other error.
    private func bounded<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withDeadline(.now + timeout, operation: operation)
        } catch is DeadlineExceeded {
            throw unavailable("no answer within \(Int(timeout.milliseconds)) ms")
        } catch let error where PostgresErrors.isConnectionFailure(error) {
            throw unavailable(PostgresErrors.describe(error))
        }
    }

    private func unavailable(_ reason: String) -> DatabaseUnavailable {
        DatabaseUnavailable(displayName: displayName, place: "PostgreSQL \(url.place), schema \(schema)", reason: reason)
    }
}

/// One version of a service's schema: statements run in one transaction, recorded in
/// `schema_migrations` once applied.
package struct PostgresMigration: Sendable {
    package let version: Int
    package let name: String
    package let statements: [String]

    package init(_ version: Int, _ name: String, _ statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// The database a service needs does not answer: 503, and the service's own database named.
package struct DatabaseUnavailable: HTTPProblemError, CustomStringConvertible {
    package let displayName: String
    /// Where it is: `PostgreSQL 127.0.0.1:5432/warehouse, schema orders`.
    package let place: String
    package let reason: String

    package var description: String { "\(displayName) unavailable (\(place)): \(reason)" }

    package var problem: Problem {
        Problem(
            title: "Database unavailable",
            status: 503,
            detail: "The \(displayName) does not answer (\(reason)). A change is written whole or not at all: try again "
                + "shortly (a retry with the same Idempotency-Key never makes a second order)."
        )
    }

    package var headers: HTTPFields { [.retryAfter: "1"] }
}
