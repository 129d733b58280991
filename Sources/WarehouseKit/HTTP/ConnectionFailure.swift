import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A call to another service that failed before it had an answer, in words a person can act on:
/// `connection refused`, `no answer within 700 ms`, `connection closed before an answer`. The order
/// service's inventory client, its health check of inventory and the console all say it this way.
package enum ConnectionFailure {
    /// - Parameter timeout: the caller's limit, named when the call ran out of time.
    package static func describe(_ error: any Error, timeout: Duration? = nil) -> String {
        if isConnectionRefused(error) { return "connection refused" }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return timeout.map { "no answer within \(Int($0.milliseconds)) ms" } ?? "no answer in time"
            }
            if error == .remoteConnectionClosed { return "connection closed before an answer" }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return "connect timeout" }
        return String(describing: error)
    }

    /// Whether `error` says the connection itself failed: refused, reset, or closed before the answer,
    /// which is what a server's crash or restart looks like. Timeouts (a connect timeout included: the
    /// server may be alive but stalled) and whole answers of any status are something else.
    package static func isConnectionFailure(_ error: any Error) -> Bool {
        if isConnectionRefused(error) { return true }
        switch error {
        case is KeepAliveConnection.Closed:
            return true
        case let error as IOError:
            return [ECONNRESET, EPIPE, ECONNABORTED].contains(error.errnoCode)
        case let error as ChannelError:
            return [.ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed].contains(error)
        case let error as HTTPClientError:
            return error == .remoteConnectionClosed
        default:
            return false
        }
    }

    /// Whether nobody accepted the connection (`ECONNREFUSED`), however NIO reports it: directly, or
    /// as one of the addresses a connection attempt tried.
    package static func isConnectionRefused(_ error: any Error) -> Bool {
        switch error {
        case let error as IOError: error.errnoCode == ECONNREFUSED
        case let error as NIOConnectionError: error.connectionErrors.contains { isConnectionRefused($0.error) }
        default: false
        }
    }
}
