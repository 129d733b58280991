import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection that carries one request at a time: a bare NIO channel with the
/// HTTP/1.1 codec and a handler that hands back the one reply it waits for.
///
/// This is the cheap end of an HTTP client. Through AsyncHTTPClient and the OpenAPI transport over it,
/// the order service spent a fifth of its CPU on its calls to inventory (perf, issue 6); a call here is a
/// write, a read and a promise. Pooling, retries and deadlines belong to the callers
/// (`KeepAliveTransport`, the resilient gateway). A request that fails for any reason closes the
/// connection: a reply half read can never be mistaken for the next one.
package final class KeepAliveConnection: Sendable {
    /// No reply came within the request's timeout.
    package struct Timeout: Error, CustomStringConvertible {
        package var description: String { "no answer within the request's timeout" }
    }

    /// The connection closed before the reply was complete.
    package struct Closed: Error, CustomStringConvertible {
        package var description: String { "connection closed before an answer" }
    }

    /// The reply's body was larger than the caller accepts.
    package struct ReplyTooLarge: Error, CustomStringConvertible {
        package var description: String { "answer larger than accepted" }
    }

    private let channel: any Channel
    private let collector: NIOLoopBound<ReplyCollector>

    private init(channel: any Channel, collector: NIOLoopBound<ReplyCollector>) {
        self.channel = channel
        self.collector = collector
    }

    /// Opens a connection to `host:port`, giving up after `timeout`.
    package static func connect(
        host: String,
        port: Int,
        timeout: Duration,
        on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> KeepAliveConnection {
        let channel = try await ClientBootstrap(group: group)
            // TCP level: `.socketOption(.tcp_nodelay)` would set SOL_SOCKET's option 1, SO_DEBUG, which
            // an unprivileged process may not set (every call to inventory failed in a container).
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ReplyCollector())
                }
            }
            .connect(host: host, port: port)
            .get()
        let collector = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ReplyCollector.self), eventLoop: channel.eventLoop)
        }.get()
        return KeepAliveConnection(channel: channel, collector: collector)
    }

    /// Whether another request may use this connection. A reply that asked to close it closed it before
    /// it was handed over, so this is false then too.
    package var isReusable: Bool {
        channel.isActive
    }

    /// Sends one request and returns the whole reply. On a timeout, cancellation or any failure the
    /// connection is closed and the error thrown.
    package func execute(
        _ head: HTTPRequestHead,
        body: ByteBuffer?,
        timeout: Duration,
        maximumReplyBytes: Int = 1 << 20
    ) async throws -> (head: HTTPResponseHead, body: ByteBuffer) {
        let channel = self.channel
        let collector = self.collector
        let promise = channel.eventLoop.makePromise(of: (head: HTTPResponseHead, body: ByteBuffer).self)
        channel.eventLoop.execute {
            // Closed since the caller picked it: nothing would ever answer.
            guard channel.isActive else { return promise.fail(Closed()) }
            collector.value.expect(promise, maximumBytes: maximumReplyBytes)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(Timeout())
        }
        do {
            let reply = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(CancellationError())
            }
            timer.cancel()
            return reply
        } catch {
            timer.cancel()
            close()
            throw error
        }
    }

    /// Closes the connection; a request in flight fails with `Closed`.
    package func close() {
        channel.close(promise: nil)
    }
}

/// Collects the reply to the request in flight and completes its promise; lives on the channel's event
/// loop.
final class ReplyCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<(head: HTTPResponseHead, body: ByteBuffer)>?
    private var maximumBytes = 0
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    func expect(_ promise: EventLoopPromise<(head: HTTPResponseHead, body: ByteBuffer)>, maximumBytes: Int) {
        self.promise = promise
        self.maximumBytes = maximumBytes
        head = nil
        body.clear()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var chunk):
            guard body.readableBytes + chunk.readableBytes <= maximumBytes else {
                fail(KeepAliveConnection.ReplyTooLarge())
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head, let promise else { return }
            self.promise = nil
            // Closed before the caller resumes, so it never hands a closing connection to the next request.
            if !head.isKeepAlive { context.close(promise: nil) }
            promise.succeed((head, body))
            body = ByteBuffer()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(KeepAliveConnection.Closed())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        promise?.fail(error)
        promise = nil
    }
}
