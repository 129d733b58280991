import Logging
import PostgresNIO
import ServiceLifecycle

/// Wakes this process's long polls when any process sharing the database commits events: `LISTEN`s on
/// the schema's channel (`PostgresEventStore.channel`, notified by every commit that writes events)
/// and signals the feed's `CommitSignal` for each notification.
///
/// Without it a feed read served by one replica would sleep through commits made by another until its
/// `waitMs` ran out. A lost connection is made again after a short pause, and the signal is given then
/// too: a commit may have been missed meanwhile, and a reader that finds nothing new only waits again.
package struct PostgresCommitListener: Service {
    package let database: PostgresSchema
    package var retryDelay: Duration = .milliseconds(500)

    package init(database: PostgresSchema) {
        self.database = database
    }

    package func run() async throws {
        let channel = PostgresEventStore.channel(schema: database.schema)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(
                        configuration: database.connectionConfiguration(), id: 0, logger: database.logger)
                    defer { Task { try? await connection.close() } }
                    try await connection.listen(on: channel) { notifications in
                        database.commitSignal.signal()
                        for try await _ in notifications { database.commitSignal.signal() }
                    }
                } catch {
                    if Task.isCancelled { return }
                    database.logger.debug("commit listener lost its connection", metadata: ["error": "\(PostgresErrors.describe(error))"])
                }
                database.commitSignal.signal()
                try? await Task.sleep(for: retryDelay)
            }
        }
    }
}
