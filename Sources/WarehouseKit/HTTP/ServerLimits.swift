import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

#if canImport(Glibc)
    import Glibc
#endif

/// What keeps slow, idle or too many clients from tying a service up, the same on every service:
///
/// - `idleTimeout`: a connection with no request in progress is closed after it; since the timer runs
///   until a request's head is complete, a client that trickles its headers (slowloris) is closed too;
/// - `bodyTimeout`: a request must arrive whole, from its head to its last body byte, within it, or its
///   connection is closed (a client that trickles its body);
/// - `maxConnections`: past it the service accepts no new connection until one closes, so a flood of
///   sockets cannot take every file descriptor (the database's included); the others wait in the
///   kernel's listen queue, and the two timeouts above keep turning the slots over.
package struct ServerLimits: Sendable, Equatable {
    package var idleTimeout: Duration = .seconds(60)
    package var bodyTimeout: Duration = .seconds(10)
    package var maxConnections = 512

    package init() {}

    package init(settings: Settings) {
        idleTimeout = .milliseconds(settings[CommonSettings.idleTimeoutMs])
        bodyTimeout = .milliseconds(settings[CommonSettings.bodyTimeoutMs])
        maxConnections = settings[CommonSettings.maxConnections]
    }

    /// The HTTP/1.1 server with the two time limits.
    package func server(logger: Logger) -> HTTPServerBuilder {
        let bodyTimeout = TimeAmount(self.bodyTimeout)
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [RequestReadTimeoutHandler(timeout: bodyTimeout, logger: logger)],
                idleTimeout: TimeAmount(idleTimeout)
            ))
    }

    /// The application's configuration: where it listens, and the connection cap.
    package func configuration(host: String, port: Int, serverName: String, logger: Logger) -> ApplicationConfiguration {
        ApplicationConfiguration(
            address: .hostname(host, port: port),
            serverName: serverName,
            availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)
        )
    }

    /// Warns when the process may run out of file descriptors before it reaches `maxConnections`: each
    /// connection is one, and the service needs more for its database files and its own calls.
    package func checkFileLimit(logger: Logger, reserve: Int = 256) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return }
        if UInt64(maxConnections + reserve) > UInt64(limit.rlim_cur) {
            logger.warning(
                "--max-connections is above what the open-file limit leaves for connections; lower it or raise the limit",
                metadata: ["max_connections": "\(maxConnections)", "open_file_limit": "\(limit.rlim_cur)", "reserve": "\(reserve)"])
        }
    }
}

/// Closes a connection whose request does not arrive whole, from head to end, within `timeout`.
///
/// It sits after the HTTP decoder, so it sees whole parts: the head starts the clock, the end stops it.
/// (Until a head is complete, the idle timeout governs.)
final class RequestReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if timer == nil {
                let path = head.path ?? ""
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                    let (handler, context) = loopBound.value
                    handler.timer = nil
                    handler.logger.warning(
                        "request not received in time; connection closed",
                        metadata: ["path": "\(path)", "body_timeout_ms": "\(handler.timeout.nanoseconds / 1_000_000)"])
                    context.close(promise: nil)
                }
            }
        case .body:
            break
        case .end:
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}
