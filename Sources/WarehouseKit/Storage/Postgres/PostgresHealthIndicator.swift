import Logging
import PostgresNIO
import Synchronization

/// Checks a service's PostgreSQL database for real: a query on one of the service's own tables, on a
/// connection of its own (through the pool it would queue behind the service's transactions), and
/// that the server takes writes (not a read-only standby).
///
/// The connection is kept between checks and made again when it broke, so a check of a server that
/// went away says why (`connection refused`), and the first check after it came back passes.
/// Concurrent checks share one probe (`SingleFlight`).
package struct PostgresHealthIndicator: HealthIndicator {
    package let key = "database:responseTime"
    package let componentType = "datastore"
    package let displayName: String
    private let database: PostgresSchema
    private let probe: PostgresQuery
    private let flight = SingleFlight<HealthCheckResult>()

    /// - Parameter table: one of the service's own tables, read with `SELECT 1 … LIMIT 1`.
    package init(database: PostgresSchema, table: String) {
        self.database = database
        self.displayName = database.displayName
        self.probe = PostgresQuery(unsafeSQL: "SELECT (SELECT 1 FROM \(table) LIMIT 1) IS NOT NULL, pg_is_in_recovery()")
    }

    package func check() async -> HealthCheckResult {
        await flight.run { await probeOnce() }
    }

    private func probeOnce() async -> HealthCheckResult {
        let where_ = "PostgreSQL \(database.url.place), schema \(database.schema)"
        return await measure {
            do {
                let connection = try await database.probeConnection.get(database)
                for try await (_, readOnly) in try await connection.query(probe, logger: database.logger).decode((Bool, Bool).self)
                where readOnly {
                    throw HealthProbeError("\(displayName) (\(where_)): the server is a read-only standby")
                }
            } catch let error as HealthProbeError {
                throw error
            } catch {
                await database.probeConnection.drop()
                throw HealthProbeError("\(displayName) (\(where_)): \(PostgresErrors.describe(error))")
            }
        }
    }
}

/// The health probe's own connection, made when first needed and again after it broke; closed with
/// its database (`PostgresSchema.close`).
package final class ProbeConnection: Sendable {
    private let current = Mutex<PostgresConnection?>(nil)

    func get(_ database: PostgresSchema) async throws -> PostgresConnection {
        if let connection = current.withLock({ $0 }), !connection.isClosed { return connection }
        let connection = try await PostgresConnection.connect(
            configuration: database.connectionConfiguration(), id: 0, logger: database.logger)
        // Another check may have made one meanwhile: keep one, close the other (a connection must be
        // closed before it goes).
        let (kept, spare) = current.withLock { current -> (PostgresConnection, PostgresConnection?) in
            if let other = current, !other.isClosed { return (other, connection) }
            defer { current = connection }
            return (connection, current)
        }
        try? await spare?.close()
        return kept
    }

    func drop() async {
        let connection = current.withLock { current in
            defer { current = nil }
            return current
        }
        try? await connection?.close()
    }
}
