import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The transaction a write runs in (shared with the other writes of its batch): its connection, and
/// the events its changes publish, which get their feed positions just before the commit.
package final class PostgresTransaction: Sendable {
    package let connection: PostgresConnection
    package let logger: Logger
    private let events = Mutex<[OutboxEvent]>([])

    package init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Runs one statement and collects its rows.
    @discardableResult
    package func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection.query(query, logger: logger).collect()
    }

    /// Publishes `event` with this transaction: it is stored, with the next position of the feed, only
    /// if the transaction commits.
    package func append(_ event: OutboxEvent) {
        events.withLock { $0.append(event) }
    }

    /// The events appended so far, handed over once (to be written just before the commit).
    func takeEvents() -> [OutboxEvent] {
        events.withLock { events in
            defer { events.removeAll() }
            return events
        }
    }
}

/// How the PostgreSQL layer tells the errors it handles apart.
package enum PostgresErrors {
    /// SQLSTATE of the error the server sent, if it sent one.
    package static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// A transaction PostgreSQL aborted so that another could go on (serialization failure, deadlock):
    /// running it again is the answer.
    package static func isTransient(_ error: any Error) -> Bool {
        ["40001", "40P01"].contains(sqlState(error) ?? "")
    }

    /// The connection failed or could not be made: the database is down or out of reach.
    package static func isConnectionFailure(_ error: any Error) -> Bool {
        if error is DatabaseUnavailable || error as? PostgresGroupCommitError == .connectionLost { return true }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            // Admin shutdown, crash shutdown, cannot connect now, too many connections.
            let state = sqlState(error) ?? ""
            return state.hasPrefix("57P") || state.hasPrefix("08") || state == "53300"
        default:
            return false
        }
    }

    /// What a person reads about a failure: the server's message, or what happened to the connection.
    /// Never the query or its parameters.
    package static func describe(_ error: any Error) -> String {
        if let unavailable = error as? DatabaseUnavailable { return unavailable.reason }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        switch error.code {
        case .connectionError:
            if let underlying = error.underlying { return "cannot connect: \(underlying)" }
            return "cannot connect"
        case .serverClosedConnection, .uncleanShutdown: return "the server closed the connection"
        case .clientClosedConnection, .poolClosed: return "the connection was closed"
        default: return "\(error.code)"
        }
    }
}

/// Reading rows of the services' schemas.
package enum PostgresRows {
    /// A date the schemas keep as text (`UTCTimestamp.sqlite`, as SQLite does).
    package static func date(_ text: String) throws -> Date {
        guard let date = UTCTimestamp.date(text) else { throw PostgresRowError.badDate(text) }
        return date
    }
}

package enum PostgresRowError: Error {
    case badDate(String)
}
